import { queryShape } from './query-shape.js';

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

/** An entry whose statement is still the SQL as sent: shaped when the log is read. */
interface Pending {
  readonly sql: string;
  readonly entry: Omit<TransactionLogEntry, 'statement'>;
}

/**
 * The operations of one transaction attempt, filled by the query tracker while the transaction
 * holds its connection. `inflight` counts statements sent but not answered, so a timeout knows
 * whether there is a statement to cancel.
 *
 * The statements the tracker adds are shaped (`queryShape`, a dozen regular expressions) only
 * when someone reads {@link entries}: most logs are never read, and shaping each statement as it
 * ran cost more than the statement's own bookkeeping in knex.
 */
export class TransactionLog {
  private readonly items: Array<TransactionLogEntry | Pending> = [];
  public inflight = 0;

  /** Adds an entry whose statement is already a shape (BEGIN, COMMIT, ROLLBACK, ...). */
  public add(entry: TransactionLogEntry): void {
    this.items.push(entry);
  }

  /** Adds a statement as sent; its shape is computed when the log is read. */
  public addStatement(sql: string, entry: Omit<TransactionLogEntry, 'statement'>): void {
    this.items.push({ sql, entry });
  }

  /** The entries so far, in order, every statement shaped. */
  public get entries(): TransactionLogEntry[] {
    const { items } = this;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as TransactionLogEntry | Pending;
      if ('sql' in item) items[i] = { statement: queryShape(item.sql), ...item.entry };
    }
    return items as TransactionLogEntry[];
  }

  /** How many entries the log holds. */
  public get length(): number {
    return this.items.length;
  }
}
