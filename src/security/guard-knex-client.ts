import type { Knex } from 'knex';

/** Checks a builder (query, raw or schema) before it gets a connection; rejects to refuse it. */
export type BuilderCheck = (builder: unknown) => Promise<void>;

interface RunnerLike {
  ensureConnection(cb: unknown, params?: unknown): Promise<unknown>;
}

interface ClientInternals {
  runner(builder: unknown): RunnerLike;
  transaction(container: ((trx: Knex.Transaction) => unknown) | null | undefined, config: unknown, outerTx: unknown): unknown;
}

const GUARDED = Symbol('stator.guardedClient');

/**
 * Makes every statement a knex client runs wait for `check` first, by giving the client object
 * its own `runner` (each runner checks its builder in `ensureConnection`, before a connection is
 * acquired: a refused statement never reaches the database, whether it is awaited, streamed or
 * piped) and its own `transaction` (each transaction's client, created per transaction, is
 * guarded the same way, so queries through `trx` and nested savepoints are checked too).
 *
 * Only the given client object is changed; knex's classes and other clients are not.
 *
 * @returns a function that removes the guard again (used when the guard is only for the duration
 * of a function, as in `stator.db.transaction`).
 */
export function guardKnexClient(client: Knex.Client, check: BuilderCheck): () => void {
  const target = client as unknown as ClientInternals & { [GUARDED]?: true };
  if (target[GUARDED]) return () => undefined;
  // Chain to what the client does now (its own overrides included, e.g. the database layer's BEGIN plan).
  const runner = target.runner;
  const transaction = target.transaction;
  const own = Object.getOwnPropertyDescriptors(client);
  Object.defineProperty(target, GUARDED, { value: true, configurable: true });
  target.runner = function guardedRunner(this: ClientInternals, builder: unknown): RunnerLike {
    const made = runner.call(this, builder);
    const ensure = made.ensureConnection;
    made.ensureConnection = async function guardedEnsure(this: RunnerLike, cb: unknown, params?: unknown) {
      await check(builder);
      return ensure.call(this, cb, params);
    };
    return made;
  };
  target.transaction = function guardedTransaction(this: ClientInternals, container, config, outerTx) {
    const wrapped = container
      ? (trx: Knex.Transaction): unknown => {
          guardKnexClient(trx.client as Knex.Client, check);
          return container(trx);
        }
      : container;
    return transaction.call(this, wrapped, config, outerTx);
  };
  return () => {
    for (const key of ['runner', 'transaction'] as const) {
      const before = own[key];
      if (before) Object.defineProperty(target, key, before);
      else delete (target as Partial<ClientInternals>)[key];
    }
    delete target[GUARDED];
  };
}
