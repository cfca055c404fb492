import type { Knex } from 'knex';

/** The statements of one guarded query, as they will be sent. */
export interface GuardedStatements {
  /** The SQL text of each statement after the client placed its bindings (`$1` on PostgreSQL). */
  readonly texts: readonly string[];
  /** Set when some statement cannot be known before it runs (knex makes it on the connection). */
  readonly unreadable?: string;
}

/** How a checked statement runs: the database role to take first (PostgreSQL, `SET LOCAL ROLE`). */
export interface GuardedRun {
  readonly dbRole?: string;
}

/** Checks the statements of a query before it gets a connection; rejects to refuse it. */
export type BuilderCheck = (statements: GuardedStatements) => Promise<GuardedRun>;

interface Compiled {
  sql: string;
  bindings?: unknown;
  statementsProducer?: unknown;
  [key: string]: unknown;
}

interface BuilderLike {
  toSQL(): Compiled | Compiled[];
  _connection?: unknown;
}

interface RunnerLike {
  builder: unknown;
  connection: unknown;
  run(): Promise<unknown>;
  stream(...args: unknown[]): unknown;
  pipe(...args: unknown[]): unknown;
  ensureConnection(cb: (runner: RunnerLike, params?: unknown) => Promise<unknown>, params?: unknown): Promise<unknown>;
}

interface ClientInternals {
  runner(builder: unknown): RunnerLike;
  transaction(
    container: ((trx: Knex.Transaction) => unknown) | null | undefined,
    config: unknown,
    outerTx: unknown,
  ): TransactionLike;
  positionBindings(sql: string): string;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  pool?: { acquire(): { promise: Promise<unknown> }; release(connection: unknown): unknown };
  dialect?: string;
}

interface TransactionLike {
  acquireConnection(
    config: { connection?: unknown } | undefined,
    cb: (connection: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

const GUARDED = new WeakSet<object>();

/** Refuses a direct use of what only a checked statement may have. */
function sealedError(what: string): Error {
  return Object.assign(
    new Error(`${what} is not available through a guarded knex: run queries through the builder, which checks them`),
    {
      code: 'ACCESS_DENIED',
    },
  );
}

/** Makes `name` an own, non-writable, non-configurable property of `target` with `value`. */
function seal(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: false, configurable: false, enumerable: false });
}

/** Every method of the client's class chain, so that none can be replaced on this object. */
function sealMethods(target: object): void {
  for (
    let proto = Object.getPrototypeOf(target) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || Object.prototype.hasOwnProperty.call(target, name)) continue;
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (d && typeof d.value === 'function') seal(target, name, d.value);
    }
  }
  for (const name of Object.getOwnPropertyNames(target)) {
    const d = Object.getOwnPropertyDescriptor(target, name);
    if (d && typeof d.value === 'function' && d.configurable) seal(target, name, d.value);
  }
}

/**
 * Makes a knex client object run only checked statements, and seals it so that nothing reachable
 * from it leads to a connection without a check:
 *
 * - each query is compiled **once**, when it runs (`builder.toSQL()`: callbacks are called once,
 *   a builder changed after the call started does not matter); the statements' text, exactly as
 *   the client will send it, goes to `check`; then exactly those compiled statements run;
 * - `client.runner(builder)` returns an object with only `run`, `stream` and `pipe`: the knex
 *   runner that holds the connection is never handed out;
 * - `acquireConnection`, `acquireRawConnection` and `pool` are refused; every method of the client
 *   (and of each transaction's client) is an own, non-writable, non-configurable property, so it
 *   cannot be deleted or replaced to reach a connection (`delete client.runner`,
 *   `client._query = ...`);
 * - each transaction's client, made per transaction, is guarded the same way before the
 *   transaction function sees it; savepoints too.
 *
 * What it does not stop: code that changes knex's or a driver's classes (prototypes) for the whole
 * process, or opens its own connection with credentials it has (see docs/security.md).
 *
 * @param onRole runs `fn` on `connection` under the database role a check returned (PostgreSQL).
 */
export function guardKnexClient(client: Knex.Client, check: BuilderCheck, onRole?: RoleRunner): void {
  const target = client as unknown as ClientInternals;
  if (GUARDED.has(target)) return;
  GUARDED.add(target);
  const connections = connectionSource(target);
  seal(target, 'runner', guardedRunnerOf(target, connections, check, onRole));
  seal(target, 'transaction', guardedTransactionOf(target.transaction, connections, check, onRole));
  seal(target, 'acquireConnection', () => Promise.reject(sealedError('acquireConnection()')));
  seal(target, 'acquireRawConnection', () => Promise.reject(sealedError('acquireRawConnection()')));
  seal(target, 'releaseConnection', (connection: unknown) => connections.release(connection));
  seal(target, 'pool', undefined);
  sealMethods(target);
}

/** Runs `fn` on `connection` under a database role (PostgreSQL). */
type RoleRunner = (connection: unknown, role: string, fn: () => Promise<unknown>) => Promise<unknown>;

/** Where the guarded client's checked statements get and return their connections. */
interface ConnectionSource {
  acquire(): Promise<unknown>;
  release(connection: unknown): Promise<void>;
}

/**
 * The client's own way to connections, taken before it is sealed (a transaction's client has its
 * own `acquireConnection`/`releaseConnection`; the root client has the pool).
 */
function connectionSource(target: ClientInternals): ConnectionSource {
  const ownAcquire = Object.prototype.hasOwnProperty.call(target, 'acquireConnection')
    ? target.acquireConnection
    : undefined;
  const ownRelease = Object.prototype.hasOwnProperty.call(target, 'releaseConnection')
    ? target.releaseConnection
    : undefined;
  const pool = target.pool;
  return {
    acquire: (): Promise<unknown> => {
      if (ownAcquire) return ownAcquire.call(target);
      if (!pool) return Promise.reject(new Error('Unable to acquire a connection'));
      return pool.acquire().promise;
    },
    release: async (connection: unknown): Promise<void> => {
      if (ownRelease) await ownRelease.call(target, connection);
      else pool?.release(connection);
    },
  };
}

/**
 * `client.runner(builder)` that compiles the query once, checks its statements, then runs exactly
 * those on a connection it holds itself; only `run`, `stream` and `pipe` are handed out.
 */
function guardedRunnerOf(
  target: ClientInternals,
  connections: ConnectionSource,
  check: BuilderCheck,
  onRole: RoleRunner | undefined,
): (this: ClientInternals, builder: unknown) => Pick<RunnerLike, 'run' | 'stream' | 'pipe'> {
  const runner = target.runner;
  return function guardedRunner(this: ClientInternals, builder: unknown) {
    const inner = runner.call(this, builder);
    inner.ensureConnection = async function guardedEnsure(cb, params) {
      const b = builder as BuilderLike;
      const compiled = b.toSQL();
      const list = (Array.isArray(compiled) ? compiled : [compiled]).map((q) => ({ ...q }));
      const texts = list.map((q) => target.positionBindings(String(q.sql)));
      const unreadable = list.some((q) => q.statementsProducer)
        ? 'a schema change whose statements knex makes on the connection'
        : undefined;
      const run = await check(unreadable === undefined ? { texts } : { texts, unreadable });
      if (b._connection !== undefined) throw sealedError('running on a connection given with .connection()');
      // The statements checked, and nothing else: a fresh copy per read, since the client writes to it.
      const fixed = (): Compiled | Compiled[] =>
        Array.isArray(compiled) ? list.map((q) => ({ ...q })) : { ...(list[0] as Compiled) };
      inner.builder = Object.create(builder as object, { toSQL: { value: fixed } });
      const connection = await connections.acquire();
      try {
        inner.connection = connection;
        const go = (): Promise<unknown> => cb(inner, params);
        return await (run.dbRole !== undefined && onRole ? onRole(connection, run.dbRole, go) : go());
      } finally {
        inner.connection = undefined;
        await connections.release(connection);
      }
    };
    return {
      run: () => inner.run(),
      stream: (...args: unknown[]) => inner.stream(...args),
      pipe: (...args: unknown[]) => inner.pipe(...args),
    };
  };
}

/**
 * `client.transaction(...)` whose transaction client is guarded before the transaction function
 * sees it, whose connection comes from `connections`, and which hands out only its outcome.
 */
function guardedTransactionOf(
  transaction: ClientInternals['transaction'],
  connections: ConnectionSource,
  check: BuilderCheck,
  onRole: RoleRunner | undefined,
): (
  this: ClientInternals,
  container: ((trx: Knex.Transaction) => unknown) | null | undefined,
  config: unknown,
  outerTx: unknown,
) => Promise<unknown> {
  return function guardedTransaction(this: ClientInternals, container, config, outerTx) {
    const wrapped = container
      ? (trx: Knex.Transaction): unknown => {
          guardKnexClient(trx.client as Knex.Client, check, onRole);
          return container(trx);
        }
      : container;
    const trx = transaction.call(this, wrapped, config, outerTx);
    // Knex's transaction asks its client for a connection in a later tick; hand it one from here,
    // since the client's own acquireConnection is refused.
    const original = trx.acquireConnection;
    trx.acquireConnection = async (cfg, cb) => {
      if (cfg?.connection) return original.call(trx, cfg, cb);
      const connection = (await connections.acquire()) as { __knexTxId?: string };
      try {
        return await original.call(trx, { ...cfg, connection }, cb);
      } finally {
        delete connection.__knexTxId;
        await connections.release(connection);
      }
    };
    // The Transaction object can lend its connection (acquireConnection); hand out only its outcome.
    return new Promise((resolve, reject) => {
      (trx as unknown as PromiseLike<unknown>).then(resolve, reject);
    });
  };
}
