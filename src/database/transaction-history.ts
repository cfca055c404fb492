import { callerFrame, type AcquireSite } from '../pool/acquire-site.js';
import type { TransactionRecord } from './transaction-info.js';
import { TransactionLog } from './transaction-log.js';

/**
 * A record as kept: the caller's site is turned into text, and the log's statements into shapes,
 * only when the history is read.
 */
export type KeptRecord = Omit<TransactionRecord, 'begunAt' | 'log'> & {
  readonly site?: AcquireSite;
  readonly log: TransactionLog | TransactionRecord['log'];
};

/**
 * The last finished transactions, newest last, in a ring of `transaction.history_size` entries
 * (0 keeps none). Adding is one array store; the oldest entry is overwritten when full.
 */
export class TransactionHistory {
  private readonly ring: Array<KeptRecord | undefined>;
  private next = 0;
  private count = 0;

  public constructor(public readonly size: number) {
    this.ring = new Array<KeptRecord | undefined>(Math.max(0, size));
  }

  public add(record: KeptRecord): void {
    if (this.size <= 0) return;
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  /** The last `limit` records (all kept when left out), newest first. */
  public list(limit = this.count): TransactionRecord[] {
    const n = Math.max(0, Math.min(Math.floor(limit), this.count));
    const out: TransactionRecord[] = [];
    for (let i = 1; i <= n; i++) {
      const kept = this.ring[(this.next - i + this.size) % this.size];
      if (!kept) break;
      const { site, log, ...rest } = kept;
      const begunAt = callerFrame(site);
      const record = { ...rest, log: log instanceof TransactionLog ? log.entries : log };
      out.push(begunAt ? { ...record, begunAt } : record);
    }
    return out;
  }

  public clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
