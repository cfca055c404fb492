import type { Knex } from 'knex';
import type { DatabaseMetrics } from './database-metrics.js';
import { failureKind } from './failure-kind.js';
import { rowsAffected } from './rows-affected.js';
import type { TransactionLog } from './transaction-log.js';

/** A finished query slower than the threshold, as the tracker hands it to the slow-query reporter. */
export interface SlowQuery {
  readonly sql: string;
  readonly durationMs: number;
  /** The builder that ran it (its `toSQL()` gives SQL with `?` placeholders and the bindings). */
  readonly builder: unknown;
}

/**
 * Where a statement's start time rides: set on knex's query object by the gated client's
 * `Client#query` ({@link stampQueryStart}), it reaches the `query-response` and `query-error`
 * events in the copies knex makes of that object (`Object.assign` copies symbol keys). A map by
 * knex's per-query uid cost about 1 µs a query (hashing a fresh 21-character string, built one
 * character at a time), about 2% of a `SELECT 1` on a local PostgreSQL.
 */
const STARTED: unique symbol = Symbol('stator.queryStarted');

interface QueryEventData {
  readonly __knexUid?: string;
  readonly __knexQueryUid?: string;
  readonly sql?: string;
  readonly response?: unknown;
  readonly [STARTED]?: number;
}

/** Records that the statement of knex query object `obj` starts now (a string statement is not timed). */
export function stampQueryStart(obj: unknown): void {
  if (typeof obj === 'object' && obj !== null) (obj as { [STARTED]?: number })[STARTED] = performance.now();
}

/**
 * Watches every query of `stator.db.knex` through knex's `query`, `query-response` and
 * `query-error` events (matched by `__knexQueryUid`): counts and times them, appends them to the
 * log of the transaction that holds the connection (by `__knexUid`), and hands slow ones to
 * `onSlow`. On the query path it costs two clock reads (see {@link stampQueryStart}).
 */
export class QueryTracker {
  private readonly logs = new Map<string, TransactionLog>();
  /**
   * When the server last answered a statement with a result (`performance.now()` ms), for a
   * health check that finds every connection busy (see `DatabaseLifecycle.check`).
   */
  public answeredAt = Number.NEGATIVE_INFINITY;

  public constructor(
    private readonly metrics: DatabaseMetrics,
    private readonly slowMs: number,
    private readonly onSlow: (query: SlowQuery) => void,
  ) {}

  /** Starts listening on `client`. */
  public attach(client: Knex.Client): void {
    client.on('query', (obj: QueryEventData) => this.onQuery(obj));
    client.on('query-response', (_response: unknown, obj: QueryEventData, builder: unknown) =>
      this.onResponse(obj, builder),
    );
    client.on('query-error', (error: unknown, obj: QueryEventData) => this.onError(error, obj));
  }

  /** Sends the queries run on `connectionUid` to `log` until {@link unwatch}. */
  public watch(connectionUid: string, log: TransactionLog): void {
    this.logs.set(connectionUid, log);
  }

  public unwatch(connectionUid: string): void {
    this.logs.delete(connectionUid);
  }

  private onQuery(obj: QueryEventData): void {
    // Statements of knex's own (BEGIN, COMMIT) carry no uid and get no response event.
    if (obj.__knexQueryUid === undefined || obj[STARTED] === undefined) return;
    if (this.logs.size !== 0 && obj.__knexUid !== undefined) {
      const log = this.logs.get(obj.__knexUid);
      if (log) log.inflight++;
    }
  }

  private finish(obj: QueryEventData): { ms: number; at: number; log: TransactionLog | undefined } | undefined {
    const t0 = obj[STARTED];
    if (obj.__knexQueryUid === undefined || t0 === undefined) return undefined;
    const at = performance.now();
    const ms = at - t0;
    this.metrics.query(ms / 1000);
    const log = this.logs.size !== 0 && obj.__knexUid !== undefined ? this.logs.get(obj.__knexUid) : undefined;
    if (log) log.inflight = Math.max(0, log.inflight - 1);
    return { ms, at, log };
  }

  private onResponse(obj: QueryEventData, builder: unknown): void {
    const done = this.finish(obj);
    if (!done) return;
    this.answeredAt = done.at;
    const rows = done.log ? rowsAffected(obj.response) : undefined;
    done.log?.addStatement(obj.sql ?? '', { durationMs: done.ms, ...(rows !== undefined ? { rows } : {}) });
    if (done.ms >= this.slowMs && obj.sql !== undefined) this.onSlow({ sql: obj.sql, durationMs: done.ms, builder });
  }

  private onError(error: unknown, obj: QueryEventData): void {
    const done = this.finish(obj);
    const kind = failureKind(error);
    this.metrics.error(kind);
    if (!done?.log) return;
    const e = error as { code?: unknown; errno?: unknown };
    done.log.addStatement(obj.sql ?? '', { durationMs: done.ms, error: String(e.code ?? e.errno ?? kind) });
  }
}
