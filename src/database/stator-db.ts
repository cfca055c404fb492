import type { Knex } from 'knex';
import { DatabaseNotReadyError } from '../errors/database-not-ready-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { Pipeline } from '../resilience/pipeline/pipeline.js';
import type { StatorDb } from './database-api.js';
import type { DatabasePool } from './database-pool.js';
import type { Dialect } from './dialect.js';
import { tracedTransaction } from './query-spans.js';
import { readWithFallback } from './read-with-fallback.js';
import { beginHandle } from './transaction-handle.js';
import type { TransactionHistory } from './transaction-history.js';
import type { TransactionRegistry } from './transaction-registry.js';
import type { TransactionRunner } from './transaction-runner.js';

/** What `stator.db` is made of. */
export interface StatorDbParts {
  readonly ctx: RuntimeContext;
  readonly knex: Knex;
  readonly dialect: Dialect;
  readonly explain: StatorDb['explain'];
  readonly transactions: TransactionRunner;
  readonly registry: TransactionRegistry;
  readonly history: TransactionHistory;
  /** The `database` pipeline, when there is one (read at each call). */
  readonly pipeline: () => Pipeline | undefined;
  /** The pool of the current start, if any. */
  readonly pool: () => DatabasePool | undefined;
}

/** `stator.db` over the layer's parts. */
export function createStatorDb(parts: StatorDbParts): StatorDb {
  const { ctx, knex, transactions, registry, history } = parts;
  const config = ctx.config;
  return {
    knex,
    dialect: parts.dialect,
    transaction: function transaction(fn, options) {
      // Who began it (for the running list, the history and the pool's reports): the caller's
      // frames only, captured here before Stator's own frames, so a few suffice; sampled.
      const site = transactions.siteOf(transaction);
      return tracedTransaction(config.database, options?.isolationLevel ?? config.transaction.isolation_level, () =>
        transactions.run(fn, options, site),
      );
    },
    explain: parts.explain,
    read: (key, query, options) => readWithFallback(knex, parts.pipeline(), key, query, options),
    begin: (options = {}) =>
      beginHandle(ctx, (body) => transactions.runNew(body, { ...options, retries: 0 }, 'handle')),
    transactions: async () => registry.list(),
    history: async (options) => history.list(options?.limit),
    clearHistory: async () => history.clear(),
    purge: async () => {
      const p = parts.pool();
      if (!p) throw new DatabaseNotReadyError('not started');
      if (!p.purge)
        throw new TypeError('the pool given to the database layer (deps.createPool) has no purge(); give it one');
      return p.purge();
    },
  };
}
