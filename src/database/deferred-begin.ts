/**
 * PostgreSQL: a top-level transaction's BEGIN waits on its connection and leaves with the
 * transaction's first statement, in one round trip (as pgjdbc sends it), instead of a round trip
 * of its own before the function runs. `transaction.defer_begin: false` turns it off.
 *
 * How the two share a round trip without ever running the statement outside the transaction:
 * - a statement with bindings (the extended protocol: Parse, Bind, Execute, Sync) gets BEGIN's
 *   Parse, Bind and Execute in front of it, before its one Sync: if BEGIN fails, the server skips
 *   everything up to the Sync, so the statement does not run;
 * - a statement without bindings (the simple protocol, which may hold several statements) gets
 *   `BEGIN ...;` in front of its text: in one simple query an error stops the rest.
 * Either way the driver sees two results and the caller gets the statement's own (BEGIN's is
 * dropped; a syntax error's `position` is moved back by the prefix's length).
 *
 * A transaction that ends before its first statement sends neither BEGIN nor its COMMIT /
 * ROLLBACK: they are answered here. Everything else sent on the connection while a BEGIN is held
 * (a streamed first statement, one read in pages, `client.query(...)` on the raw `pg.Client` as
 * `security.database_roles` sends `SET LOCAL ROLE`) goes through the connection's wrapped `query`,
 * which sends BEGIN alone first and runs the statement only once BEGIN succeeded: nothing the
 * transaction runs can run outside it. The pending
 * BEGIN is dropped when the connection goes back to the pool, so a statement of a later borrower
 * can never carry it.
 */

const PENDING: unique symbol = Symbol('stator.pendingBegin');
const GATED: unique symbol = Symbol('stator.beginGate');

type RawQuery = (this: Carrier, ...args: unknown[]) => unknown;

/** A connection that may carry a BEGIN still to be sent. */
interface Carrier {
  [PENDING]?: string | undefined;
  [GATED]?: true;
  query: RawQuery;
}

/** A pg submittable (a `Query`, a cursor) as `client.query` takes it. */
interface Submittable {
  submit(wire: unknown): unknown;
  handleError?(error: Error, wire: unknown): void;
}

/** The parts of pg's wire connection (`client.connection`) used to put BEGIN in front of a statement. */
interface PgWire {
  parse(message: { text: string }): void;
  bind(message: Record<string, never>): void;
  execute(message: Record<string, never>): void;
  readonly stream: { cork?(): void; uncork?(): void };
}

/** The parts of a `pg.Query` used here (pg exports the class; its handlers are pg's own). */
interface PgQuery {
  text: string;
  requiresPreparation(): boolean;
  submit(wire: PgWire): Error | null;
}

type PgQueryClass = new (
  config: Record<string, unknown>,
  values: undefined,
  callback: (error: Error | null, response: unknown) => void,
) => PgQuery;

/** A `pg.Client` as knex hands it to `_query`: it runs a query object it is given. */
interface PgClient {
  query(query: PgQuery): unknown;
}

/** knex's query object as `_query` receives it. */
interface KnexQueryObject {
  sql?: string;
  bindings?: readonly unknown[];
  options?: Record<string, unknown>;
  response?: unknown;
}

/** The texts knex sends to end a top-level transaction (`Transaction#commit`, `#rollback`). */
const ENDS: Readonly<Record<string, string>> = { 'COMMIT;': 'COMMIT', ROLLBACK: 'ROLLBACK' };

/** Holds `sql` (the transaction's BEGIN) on `connection` (a `pg.Client`) until its first statement. */
export function deferBegin(connection: object, sql: string): void {
  const carrier = connection as Carrier;
  if (carrier[GATED] === undefined) gate(carrier);
  carrier[PENDING] = sql;
}

/**
 * Wraps the connection's `query` once: a statement sent directly while a BEGIN is held (not
 * through knex's `_query`, which takes the BEGIN itself) goes after BEGIN, and only if it succeeded.
 */
function gate(carrier: Carrier): void {
  const original = carrier.query;
  carrier[GATED] = true;
  carrier.query = function query(this: Carrier, ...args: unknown[]): unknown {
    const begin = this[PENDING];
    if (begin === undefined) return original.apply(this, args);
    this[PENDING] = undefined;
    return afterBegin(this, original, begin, args);
  };
}

/** Runs `client.query(...args)` (each of pg's forms) once `begin` succeeded; its error instead if it failed. */
function afterBegin(client: Carrier, original: RawQuery, begin: string, args: unknown[]): unknown {
  const send = (then: (error: Error | null) => void): unknown => original.call(client, begin, then);
  const [config, values, callback] = args;
  if (typeof (config as Partial<Submittable> | null)?.submit === 'function') {
    const submittable = config as Submittable;
    const wire = (client as { connection?: unknown }).connection;
    // Sent as it was given (`query(submittable, callback)`: pg keeps the callback on it).
    send((error) => (error ? submittable.handleError?.(error, wire) : original.apply(client, args)));
    return submittable;
  }
  const done = typeof values === 'function' ? values : typeof callback === 'function' ? callback : undefined;
  const rest = typeof values === 'function' ? [config] : args.slice(0, 2);
  if (done) {
    send((error) => (error ? (done as (e: Error) => void)(error) : original.call(client, ...rest, done)));
    return undefined;
  }
  return new Promise((resolve, reject) =>
    send((error) => {
      if (error) reject(error);
      else (original.apply(client, rest) as Promise<unknown>).then(resolve, reject);
    }),
  );
}

/** Drops a BEGIN still held on `connection` (it goes back to the pool). */
export function dropPendingBegin(connection: object): void {
  if ((connection as Carrier)[PENDING] !== undefined) (connection as Carrier)[PENDING] = undefined;
}

/**
 * knex's pg `_query` on `connection`: `alone` runs the statement as knex would; a BEGIN held on
 * the connection goes with it in one round trip instead ({@link queryWithBegin}). A statement read
 * in pages (`rows`), or a driver without node-postgres's `Query`, runs `alone`: the wrapped
 * `query` then sends BEGIN first.
 */
export function queryHoldingBegin(
  driver: { Query?: unknown } | undefined,
  connection: unknown,
  obj: unknown,
  alone: () => Promise<unknown>,
): Promise<unknown> {
  const carrier = connection as Carrier;
  const begin = carrier[PENDING];
  const Query = driver?.Query;
  const q = obj as KnexQueryObject;
  if (begin === undefined || typeof Query !== 'function' || q.options?.rows !== undefined) return alone();
  carrier[PENDING] = undefined;
  return queryWithBegin(Query as PgQueryClass, connection as PgClient, begin, q);
}

/**
 * Runs knex query object `obj` on pg `connection` with `begin` in the same round trip, as knex's
 * pg `_query` would run it alone (`obj.response` set, `obj` resolved). knex's own COMMIT or
 * ROLLBACK of a transaction that ran no statement is answered without the server.
 */
function queryWithBegin(
  Query: PgQueryClass,
  connection: PgClient,
  begin: string,
  obj: KnexQueryObject,
): Promise<KnexQueryObject> {
  const sql = obj.sql;
  if (!sql) return Promise.reject(new Error('The query is empty'));
  const ended = ENDS[sql];
  if (ended !== undefined) {
    obj.response = { command: ended, rowCount: null, rows: [], fields: [] };
    return Promise.resolve(obj);
  }
  return new Promise((resolve, reject) => {
    let prefix = 0;
    const query = new Query({ text: sql, values: obj.bindings ?? [], ...obj.options }, undefined, (error, response) => {
      if (error) return reject(prefix ? withPositionBack(error, prefix) : error);
      obj.response = withoutBegin(response);
      resolve(obj);
    });
    if (query.requiresPreparation()) {
      const submit = query.submit;
      query.submit = (wire) => {
        wire.stream.cork?.();
        try {
          wire.parse({ text: begin });
          wire.bind({});
          wire.execute({});
          return submit.call(query, wire);
        } finally {
          wire.stream.uncork?.();
        }
      };
    } else {
      prefix = begin.length + 2;
      query.text = `${begin};\n${sql}`;
    }
    connection.query(query);
  });
}

/** The statement's result without BEGIN's (the first of the results pg collected). */
function withoutBegin(response: unknown): unknown {
  if (!Array.isArray(response)) return response;
  return response.length === 2 ? response[1] : response.slice(1);
}

/** A server error's `position` (1-based, in the text sent) made relative to the caller's text. */
function withPositionBack(error: Error, prefix: number): Error {
  const e = error as Error & { position?: unknown };
  const at = Number(e.position);
  if (typeof e.position === 'string' && Number.isInteger(at) && at > prefix) e.position = String(at - prefix);
  return error;
}
