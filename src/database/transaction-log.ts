/** One operation of a transaction. Values are never recorded: the statement is its shape. */
export interface TransactionLogEntry {
  /** The statement with every value replaced by `?` (see `queryShape`), or BEGIN/COMMIT/ROLLBACK. */
  readonly statement: string;
  /** Milliseconds it took. */
  readonly durationMs: number;
  /** Rows returned or affected, when the driver says. */
  readonly rows?: number;
  /** The error code (or message) when it failed. */
  readonly error?: string;
}

/**
 * The operations of one transaction attempt, filled by the query tracker while the transaction
 * holds its connection. `inflight` counts statements sent but not answered, so a timeout knows
 * whether there is a statement to cancel.
 */
export class TransactionLog {
  public readonly entries: TransactionLogEntry[] = [];
  public inflight = 0;

  public add(entry: TransactionLogEntry): void {
    this.entries.push(entry);
  }
}
