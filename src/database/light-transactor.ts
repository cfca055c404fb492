import { EventEmitter } from 'node:events';
import knexFactory from 'knex';

/**
 * The `trx` a top-level `stator.db.transaction` hands its function, built for a fraction of what
 * knex spends on it. knex makes each transaction's `trx` a whole new knex instance
 * (`makeKnex`): about ninety methods and a dozen context closures defined on a fresh function,
 * measured at 35 µs a transaction here, a sixth of a one-statement transaction's client CPU on
 * PostgreSQL. Those methods use only `this`, so this `trx` inherits them from one template
 * (taken from a pristine knex instance, so it has whatever knex's instances have) and owns only
 * its state: its context (client, user params), its event emitter, and the methods knex binds to
 * the transaction (`commit`, `rollback`, `isCompleted`, `savepoint`, `transaction`).
 *
 * What it replaces is knex 3's `Transaction#_onAcquire` with its private `makeTxClient` and
 * `makeTransactor`, copied from `knex/lib/execution/transaction.js` except for that one step.
 * Nested transactions (savepoints) keep knex's own path.
 */

/** knex's `Transaction`, as far as this file uses it (knex does not type it). */
export interface KnexTransactionInternals {
  readonly client: TxClient;
  readonly outerTx?: KnexTransactionInternals | null;
  readonly userParams?: Record<string, unknown>;
  transactor?: Transactor;
  trxClient?: TxClient;
  _resolver: (value?: unknown) => void;
  _rejecter: (error: unknown) => void;
  begin(connection: unknown): Promise<unknown>;
  commit(connection: unknown, value?: unknown): Promise<unknown>;
  rollback(connection: unknown, error?: unknown): Promise<unknown>;
  isCompleted(): boolean;
  emit(event: string, ...args: unknown[]): boolean;
  _onAcquire(container: (trx: Transactor) => unknown, connection: unknown): Promise<unknown>;
}

/** knex's `Client` and the per-transaction client derived from it. */
interface TxClient extends EventEmitter {
  version?: unknown;
  config?: unknown;
  driver?: unknown;
  connectionSettings?: unknown;
  transacting?: boolean;
  valueForUndefined?: unknown;
  logger?: { warn(message: string): void };
  query(connection: unknown, obj: unknown): Promise<unknown>;
  stream(connection: unknown, obj: unknown, stream: unknown, options: unknown): Promise<unknown>;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  queryBuilder(): { table(name: unknown, options: unknown): unknown };
}

/** A knex context object: the methods a knex instance forwards to, and its client. */
interface Context {
  client: TxClient;
  userParams: Record<string, unknown>;
  queryBuilder(): { table(name: unknown, options: unknown): unknown };
  transaction?: unknown;
  withUserParams?: unknown;
  _transaction(container: unknown, config: unknown, outerTx: unknown): unknown;
}

/** The `trx` handed to the function: callable, with knex's methods. */
interface Transactor {
  (tableName?: unknown, options?: unknown): unknown;
  context: Context;
  [key: string]: unknown;
}

/** Own properties of a knex instance that are its state, not methods it could share. */
const STATE = new Set(['length', 'name', 'prototype', 'arguments', 'caller', 'context', '_internalListeners']);

/** knex's methods, inherited by every light `trx`, and the methods of its context. */
interface Templates {
  readonly methods: object;
  readonly context: object;
}

let templates: Templates | undefined;

function template(): Templates {
  if (templates) return templates;
  const pristine = knexFactory({ client: 'pg' }) as unknown as Transactor;
  const emitter = new Set(Object.keys(new EventEmitter()));
  const methods: PropertyDescriptorMap = {};
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(pristine))) {
    if (!STATE.has(key) && !emitter.has(key)) methods[key] = descriptor;
  }
  const contextMethods: PropertyDescriptorMap = {};
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(pristine.context))) {
    if (typeof descriptor.value === 'function') contextMethods[key] = descriptor;
  }
  templates = {
    methods: Object.create(Function.prototype, methods) as object,
    context: Object.create(Object.prototype, contextMethods) as object,
  };
  return templates;
}

/**
 * What knex 3.3's `Transaction#_onAcquire` says, in the order it says it: the steps this file
 * copies. A knex whose method reads otherwise keeps its own (slower, never wrong).
 */
const KNEX_STEPS = [
  'makeTxClient(',
  'this.client.transacting',
  'this.savepoint(connection)',
  'this.begin(connection)',
  'this._resolver = resolver',
  'makeTransactor(this, connection, trxClient)',
  'transactor.executionPromise = executionPromise',
  'container(transactor)',
  'transactor.commit(val)',
  'transactor.rollback(err)',
  'this._rejecter(e)',
];

/** Whether each `_onAcquire` seen reads as knex 3.3's (checked once per method). */
const known = new WeakMap<object, boolean>();

function isKnownOnAcquire(method: unknown): boolean {
  if (typeof method !== 'function') return false;
  let verdict = known.get(method);
  if (verdict === undefined) {
    const source = Function.prototype.toString.call(method);
    let at = 0;
    verdict = KNEX_STEPS.every((step) => (at = source.indexOf(step, at)) >= 0);
    known.set(method, verdict);
  }
  return verdict;
}

/**
 * Makes `trx` (a top-level knex transaction) build its `trx` with {@link lightTransactor}, when
 * its `_onAcquire` is knex 3.3's; returns whether it does.
 */
export function useLightTransactor(trx: KnexTransactionInternals): boolean {
  if (!isKnownOnAcquire(trx._onAcquire)) return false;
  trx._onAcquire = function (container, connection) {
    return onAcquire(this, container, connection);
  };
  return true;
}

/** knex 3's `Transaction#_onAcquire`, with the light transactor. */
function onAcquire(
  trx: KnexTransactionInternals,
  container: (transactor: Transactor) => unknown,
  connection: unknown,
): Promise<unknown> {
  const trxClient = (trx.trxClient = makeTxClient(trx, trx.client, connection));
  const init = trx.begin(connection);
  const executionPromise = new Promise((resolver, rejecter) => {
    trx._resolver = resolver;
    trx._rejecter = rejecter;
  });
  init
    .then(() => {
      const transactor = lightTransactor(trx, connection, trxClient);
      trx.transactor = transactor;
      transactor.executionPromise = executionPromise;
      // A thenable returned by the function commits or rolls back as it settles; a throw rolls back.
      let result: unknown;
      try {
        result = container(transactor);
      } catch (err) {
        result = Promise.reject(err);
      }
      const then = (result as { then?: unknown } | null | undefined)?.then;
      if (typeof then === 'function') {
        (result as Promise<unknown>)
          .then((val) => (transactor.commit as (v: unknown) => Promise<unknown>)(val))
          .catch((err: unknown) => (transactor.rollback as (e: unknown) => Promise<unknown>)(err));
      }
      return null;
    })
    .catch((e: unknown) => trx._rejecter(e));
  return executionPromise;
}

/** knex's `makeTransactor` for a top-level transaction, on the shared template. */
function lightTransactor(trx: KnexTransactionInternals, connection: unknown, trxClient: TxClient): Transactor {
  const shared = template();
  const context = Object.create(shared.context) as Context;
  const transactor = function knex(tableName?: unknown, options?: unknown): unknown {
    const qb = transactor.context.queryBuilder();
    if (!tableName) {
      transactor.context.client.logger?.warn(
        'calling knex without a tableName is deprecated. Use knex.queryBuilder() instead.',
      );
    }
    return tableName ? qb.table(tableName, options) : qb;
  } as Transactor;
  Object.setPrototypeOf(transactor, shared.methods);
  transactor.context = context;
  context.client = trxClient;
  // knex's instances are event emitters (their state copied from a new one).
  const emitter = new EventEmitter() as unknown as Record<string, unknown>;
  for (const key of Object.keys(emitter)) transactor[key] = emitter[key];
  const internal: Array<{ eventName: string; listener: (...args: unknown[]) => void }> = [];
  for (const eventName of ['start', 'query', 'query-error', 'query-response']) {
    const listener = (...args: unknown[]): void => void (transactor.emit as EventEmitter['emit'])(eventName, ...args);
    trxClient.on(eventName, listener);
    internal.push({ eventName, listener });
  }
  transactor._internalListeners = internal;
  context.withUserParams = () => {
    throw new Error('Cannot set user params on a transaction - it can only inherit params from main knex instance');
  };
  transactor.isTransaction = true;
  context.userParams = trx.userParams ?? {};
  context.transaction = function (this: Context, container: unknown, options?: { doNotRejectOnRollback?: boolean }) {
    if (!options) options = { doNotRejectOnRollback: true };
    else if (options.doNotRejectOnRollback === undefined) options.doNotRejectOnRollback = true;
    return this._transaction(container, options, trx);
  };
  transactor.savepoint = (container: unknown, options: unknown): unknown =>
    (transactor.transaction as (c: unknown, o: unknown) => unknown)(container, options);
  transactor.commit = (value: unknown) => trx.commit(connection, value);
  transactor.rollback = (error: unknown) => trx.rollback(connection, error);
  transactor.isCompleted = () => trx.isCompleted();
  return transactor;
}

/** knex's `makeTxClient`: a client that runs everything on the transaction's one connection. */
function makeTxClient(trx: KnexTransactionInternals, client: TxClient, connection: unknown): TxClient {
  const trxClient = Object.create(Object.getPrototypeOf(client) as object) as TxClient;
  trxClient.version = client.version;
  trxClient.config = client.config;
  trxClient.driver = client.driver;
  trxClient.connectionSettings = client.connectionSettings;
  trxClient.transacting = true;
  trxClient.valueForUndefined = client.valueForUndefined;
  trxClient.logger = client.logger;
  for (const event of ['start', 'query'] as const) {
    trxClient.on(event, (arg: unknown) => {
      trx.emit(event, arg);
      client.emit(event, arg);
    });
  }
  trxClient.on('query-error', (err: unknown, obj: unknown) => {
    trx.emit('query-error', err, obj);
    client.emit('query-error', err, obj);
  });
  trxClient.on('query-response', (response: unknown, obj: unknown, builder: unknown) => {
    trx.emit('query-response', response, obj, builder);
    client.emit('query-response', response, obj, builder);
  });
  const query = trxClient.query;
  trxClient.query = function (conn, obj) {
    const completed = trx.isCompleted();
    return new Promise((resolve, reject) => {
      try {
        if (conn !== connection) throw new Error('Invalid connection for transaction query.');
        if (completed) completedError();
        resolve(query.call(trxClient, conn, obj));
      } catch (e) {
        reject(e);
      }
    });
  };
  const stream = trxClient.stream;
  trxClient.stream = function (conn, obj, s, options) {
    const completed = trx.isCompleted();
    return new Promise((resolve, reject) => {
      try {
        if (conn !== connection) throw new Error('Invalid connection for transaction query.');
        if (completed) completedError();
        resolve(stream.call(trxClient, conn, obj, s, options));
      } catch (e) {
        reject(e);
      }
    });
  };
  trxClient.acquireConnection = () => Promise.resolve(connection);
  trxClient.releaseConnection = () => Promise.resolve();
  return trxClient;
}

function completedError(): never {
  throw new Error('Transaction query already complete, run with DEBUG=knex:tx for more info');
}
