import type { Attributes, Span } from '@opentelemetry/api';
import type { Knex } from 'knex';
import type { StatorConfig } from '../config/schema.js';
import { failSpan, inSpan, SpanKind, statorTracer, tracingOn } from '../telemetry/tracing.js';
import type { Dialect } from './dialect.js';
import { DEFAULT_PORT } from './dialect.js';
import { queryShape } from './query-shape.js';

/** `db.system` of each dialect (OpenTelemetry's database semantic conventions). */
const SYSTEM: Readonly<Record<Dialect, string>> = { postgresql: 'postgresql', mysql: 'mysql', sqlite: 'sqlite' };

interface QueryEventData {
  readonly __knexQueryUid?: string;
  readonly sql?: string;
  readonly method?: string;
}

const MAX_OPEN = 10_000;

/** `select`, `insert`, ... from the statement, upper-cased: `db.operation.name`. */
function operationOf(shape: string): string {
  return /^\s*\(?\s*([a-z]+)/i.exec(shape)?.[1]?.toUpperCase() ?? 'QUERY';
}

/** The first table the statement names, for the span name and `db.collection.name`. */
function collectionOf(shape: string): string | undefined {
  return /\b(?:from|into|update|join|table)\s+[`"[]?([\w.$]+)/i.exec(shape)?.[1];
}

/**
 * The connection attributes every database span carries: `db.system` (`postgresql`, `mysql`,
 * `sqlite`), `db.namespace` (the database), `server.address` and `server.port` (not SQLite).
 */
export function databaseAttributes(section: StatorConfig['database']): Attributes {
  const system = SYSTEM[section.driver];
  const common: Attributes = { 'db.system': system, 'db.system.name': system };
  if (section.driver === 'sqlite') return { ...common, 'db.namespace': section.filename };
  return {
    ...common,
    'db.namespace': section.database,
    'server.address': section.host,
    'server.port': section.port ?? DEFAULT_PORT[section.driver],
  };
}

/**
 * A span for every query of `stator.db.knex` when the application registered a tracer provider,
 * from knex's `query` / `query-response` / `query-error` events: named `SELECT orders`, a child of
 * the span active where the query was awaited (the transaction's, the request's), with the
 * statement's shape (`db.query.text`, literals and bindings replaced by `?`: no values), the
 * operation and the table. Without a provider each query costs one check.
 */
export function attachQuerySpans(client: Knex.Client, section: StatorConfig['database']): void {
  const open = new Map<string, Span>();
  const base = databaseAttributes(section);
  client.on('query', (obj: QueryEventData) => {
    if (!tracingOn() || obj.__knexQueryUid === undefined) return;
    if (open.size >= MAX_OPEN) open.clear();
    const shape = queryShape(obj.sql ?? '');
    const operation = operationOf(shape);
    const collection = collectionOf(shape);
    const span = statorTracer().startSpan(collection ? `${operation} ${collection}` : operation, {
      kind: SpanKind.CLIENT,
      attributes: {
        ...base,
        'db.operation.name': operation,
        'db.query.text': shape,
        ...(collection ? { 'db.collection.name': collection } : {}),
      },
    });
    open.set(obj.__knexQueryUid, span);
  });
  const end = (obj: QueryEventData, error?: unknown): void => {
    if (obj.__knexQueryUid === undefined || open.size === 0) return;
    const span = open.get(obj.__knexQueryUid);
    if (!span) return;
    open.delete(obj.__knexQueryUid);
    if (error !== undefined) failSpan(span, error);
    span.end();
  };
  client.on('query-response', (_response: unknown, obj: QueryEventData) => end(obj));
  client.on('query-error', (error: unknown, obj: QueryEventData) => end(obj, error));
}

/**
 * Runs a top-level transaction in a `transaction` span when tracing is on; its queries, retries
 * and the transaction machine's transitions land on it (see `src/telemetry/transition-events.ts`).
 */
export function tracedTransaction<T>(
  section: StatorConfig['database'],
  isolation: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return run();
  return inSpan(
    'transaction',
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        ...databaseAttributes(section),
        'db.operation.name': 'transaction',
        ...(isolation ? { 'db.transaction.isolation_level': isolation } : {}),
      },
    },
    run,
  );
}
