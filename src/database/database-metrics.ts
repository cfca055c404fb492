import { Counter, type Registry } from 'prom-client';
import { DurationHistogram, scrapeTimeHistogram } from '../kernel/histogram.js';

/** How a transaction ended, for `stator_database_transactions_total{outcome}`. */
export type TransactionOutcome = 'committed' | 'rolled_back' | 'timed_out' | 'refused' | 'aborted';

/**
 * The database layer's metrics, labelled `resource="database"` and `driver`:
 * - `stator_database_queries_total`, `stator_database_query_errors_total{kind}`,
 *   `stator_database_query_duration_seconds` (histogram)
 * - `stator_database_slow_queries_total` (slow queries reported, once per shape per interval)
 * - `stator_database_transactions_total{outcome}`, `stator_database_transaction_retries_total{reason}`
 *
 * Counting is plain arithmetic on the query path; prom-client reads the numbers at scrape time.
 */
export class DatabaseMetrics {
  public queries = 0;
  public slowQueries = 0;
  public readonly errors = new Map<string, number>();
  public readonly transactions = new Map<TransactionOutcome, number>();
  public readonly retries = new Map<string, number>();
  /** Query durations (seconds). */
  public readonly durations = new DurationHistogram();

  public constructor(
    public readonly driver: string,
    registry?: Registry,
  ) {
    if (registry) this.register(registry);
  }

  /** Records one finished query. */
  public query(seconds: number): void {
    this.queries++;
    this.durations.observe(seconds);
  }

  public error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  public transaction(outcome: TransactionOutcome): void {
    this.transactions.set(outcome, (this.transactions.get(outcome) ?? 0) + 1);
  }

  public retry(reason: string): void {
    this.retries.set(reason, (this.retries.get(reason) ?? 0) + 1);
  }

  /** A plain snapshot, for `details()` and tests. */
  public snapshot(): Readonly<Record<string, unknown>> {
    return {
      queries: this.queries,
      slowQueries: this.slowQueries,
      errors: Object.fromEntries(this.errors),
      transactions: Object.fromEntries(this.transactions),
      retries: Object.fromEntries(this.retries),
    };
  }

  private register(registry: Registry): void {
    if (registry.getSingleMetric('stator_database_queries_total')) return;
    const self = this;
    const base = { resource: 'database', driver: this.driver };
    const counter = (
      name: string,
      help: string,
      extra: string | undefined,
      read: () => Iterable<[string, number]>,
    ): void => {
      new Counter({
        name,
        help,
        labelNames: extra ? ['resource', 'driver', extra] : ['resource', 'driver'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [label, n] of read()) this.inc(extra ? { ...base, [extra]: label } : base, n);
        },
      });
    };
    counter('stator_database_queries_total', 'Queries run through stator.db.knex.', undefined, () => [
      ['', self.queries],
    ]);
    counter(
      'stator_database_query_errors_total',
      'Queries that failed, by kind (deadlock, serialization, connection, timeout, other).',
      'kind',
      () => self.errors,
    );
    counter(
      'stator_database_slow_queries_total',
      'Slow queries reported (at most once per query shape per database.slow_query_interval).',
      undefined,
      () => [['', self.slowQueries]],
    );
    counter('stator_database_transactions_total', 'Transactions by outcome.', 'outcome', () => self.transactions);
    counter(
      'stator_database_transaction_retries_total',
      'Whole-transaction retries, by reason (deadlock, serialization, lock-timeout, busy, connection).',
      'reason',
      () => self.retries,
    );
    registry.registerMetric(
      scrapeTimeHistogram(
        'stator_database_query_duration_seconds',
        'Duration of queries run through stator.db.knex.',
        () => [{ labels: base, histogram: this.durations }],
      ),
    );
  }
}
