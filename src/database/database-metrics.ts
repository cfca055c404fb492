import { Counter, type Metric, type Registry } from 'prom-client';

/** Upper bounds (seconds) of the query duration buckets. */
const BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

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
  private readonly counts = new Float64Array(BUCKETS.length + 1);
  private durationSum = 0;

  public constructor(
    public readonly driver: string,
    registry?: Registry,
  ) {
    if (registry) this.register(registry);
  }

  /** Records one finished query. */
  public query(seconds: number): void {
    this.queries++;
    let i = 0;
    while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.durationSum += seconds;
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
    const counter = (name: string, help: string, extra: string | undefined, read: () => Iterable<[string, number]>): void => {
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
    counter('stator_database_queries_total', 'Queries run through stator.db.knex.', undefined, () => [['', self.queries]]);
    counter('stator_database_query_errors_total', 'Queries that failed, by kind (deadlock, serialization, connection, timeout, other).', 'kind', () => self.errors);
    counter('stator_database_slow_queries_total', 'Slow queries reported (at most once per query shape per database.slow_query_interval).', undefined, () => [['', self.slowQueries]]);
    counter('stator_database_transactions_total', 'Transactions by outcome.', 'outcome', () => self.transactions);
    counter('stator_database_transaction_retries_total', 'Whole-transaction retries, by reason (deadlock, serialization, lock-timeout, busy, connection).', 'reason', () => self.retries);
    registry.registerMetric(this.latencyMetric(base) as unknown as Metric);
  }

  private latencyMetric(labels: Record<string, string>) {
    const name = 'stator_database_query_duration_seconds';
    const help = 'Duration of queries run through stator.db.knex.';
    const self = this;
    return {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      reset(): void {},
      async get() {
        const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
        let acc = 0;
        BUCKETS.forEach((le, i) => {
          acc += self.counts[i] as number;
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: acc });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: self.queries });
        values.push({ metricName: `${name}_sum`, labels, value: self.durationSum });
        values.push({ metricName: `${name}_count`, labels, value: self.queries });
        return { name, help, type: 'histogram', aggregator: 'sum', values };
      },
    };
  }
}
