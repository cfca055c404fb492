import { mkdir, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuditWriteFailedError } from '../errors/audit-write-failed-error.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/redact.js';
import type { RotationPolicy } from '../logging/rotation/rotation-policy.js';
import type { Clock } from '../kernel/clock.js';
import { AuditAnchorFile } from './audit-anchor.js';
import { chainAuditLine, type AuditEntry, type AuditRecord } from './audit-entry.js';
import { readAuditSetHead } from './audit-set.js';
import type { AuditHead } from './audit-tail.js';
import { AuditWriter, type AuditSync } from './audit-writer.js';

/** A copy of the audit log elsewhere (a database table). Best effort: the file is the record. */
export interface AuditMirror {
  write(entries: readonly AuditEntry[]): Promise<void>;
}

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** Absolute path of the JSONL file (inside `filesystem.base_path`, normally `logs/audit.jsonl`). */
  readonly file: string;
  readonly clock: Clock;
  /** Scrubs secrets from every field before it is hashed and written. */
  readonly secrets?: SecretRegistry;
  readonly logger?: Logger;
  readonly mirror?: AuditMirror;
  /**
   * `security.audit.sync`: `batch` (default) or `always`; see `AuditWriter`.
   */
  readonly sync?: AuditSync;
  /** With `sync: batch`, milliseconds between two flushes to disk. Default 100. */
  readonly batchIntervalMs?: number;
  /** When to start a new file; the chain goes on from the previous file's last entry. Default: never. */
  readonly rotation?: RotationPolicy;
  /** Called after each written batch (metrics). */
  readonly onWritten?: (entries: readonly AuditEntry[]) => void;
  /** `security.audit.key`: entries are HMAC'd with it, so a recomputed chain fails verification. */
  readonly key?: string;
  /**
   * How a batch reaches the file (the fs seam; default `appendFile`). Tests inject one that fails
   * part-way, as a full disk does.
   */
  readonly write?: (file: string, data: string) => Promise<void>;
}

interface Pending {
  readonly record: AuditRecord;
  readonly resolve: (entry: AuditEntry) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The append-only, hash-chained audit log. {@link AuditLog.append} resolves once the entry is in
 * the file, and rejects with {@link AuditWriteFailedError} when it could not be written; callers
 * deny the access then (fail closed).
 *
 * Group commit: the entries appended in the same turn of the event loop, and those that arrive
 * while a flush to disk is in flight (`sync: always`), are written together in one write, so a
 * burst of guarded calls costs a few writes, not one each. An append resolves once its entry is
 * written under `sync` (see `AuditWriter`). Sequence numbers and hashes are assigned when a
 * batch is written, so a failed batch leaves no gap.
 *
 * One writer per file: two Stator instances must not share an audit file (their chains would
 * interleave and fail verification).
 */
export class AuditLog {
  private head: AuditHead | undefined;
  /** File size after the last complete write: a failed write is cut back to it. */
  private goodSize: number | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  /** The held-open file with group commit, `sync` and rotation. */
  private readonly writer: AuditWriter;
  private lastTime = { ms: Number.NaN, time: '', timeJson: '""' };
  /** The chain head kept outside the log (`<file>.head`). */
  private readonly anchor: AuditAnchorFile;

  public constructor(private readonly options: AuditLogOptions) {
    this.writer = new AuditWriter({
      ...(options.rotation ? { rotation: options.rotation } : {}),
      file: options.file,
      sync: options.sync ?? 'batch',
      batchIntervalMs: options.batchIntervalMs ?? 100,
      clock: options.clock,
      onSyncFailed: (cause) => this.loud(new AuditWriteFailedError(options.file, { cause })),
    });
    this.anchor = new AuditAnchorFile(options.file);
  }

  /** The file written. */
  public get file(): string {
    return this.options.file;
  }

  /**
   * Reads the tail of an existing log to continue its chain, creating the directory if needed.
   *
   * @throws AuditWriteFailedError when the directory cannot be created or the tail is damaged.
   */
  public async open(): Promise<void> {
    try {
      this.head = await this.readHead();
    } catch (cause) {
      throw this.loud(new AuditWriteFailedError(this.options.file, { cause }));
    }
  }

  /** Appends one entry; resolves with it once written. */
  public append(record: AuditRecord): Promise<AuditEntry> {
    return new Promise<AuditEntry>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      // One microtask later: the appends of calls running in the same turn join this batch.
      this.flushing ??= Promise.resolve().then(() => this.flush());
    });
  }

  /** Writes what is queued, flushes the file to disk and closes it (it reopens on the next append). */
  public async close(): Promise<void> {
    await this.drain();
    this.writer.close();
    this.anchor.close();
  }

  /** Resolves when every entry appended so far is written (or failed). */
  public async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      try {
        this.head ??= await this.readHead();
        let prev = this.head;
        const { time, timeJson } = this.timeNow();
        const entries: AuditEntry[] = [];
        let data = '';
        for (const p of batch) {
          const { entry, line } = chainAuditLine(this.clean(p.record), prev, time, this.options.key, timeJson);
          entries.push(entry);
          data += line;
          prev = entry;
        }
        if (this.options.write) {
          await this.options.write(this.options.file, data);
        } else {
          // Group commit: the entries of concurrent calls leave in one write (see AuditWriter).
          const durable = this.writer.write(data);
          if (durable) await durable;
        }
        this.head = prev;
        this.goodSize = (this.goodSize ?? 0) + Buffer.byteLength(data);
        this.writeAnchor(prev);
        batch.forEach((p, i) => p.resolve(entries[i] as AuditEntry));
        this.options.onWritten?.(entries);
        if (this.options.mirror) await this.mirror(entries);
      } catch (cause) {
        // The file may now end in a partial line (a full disk): cut it back to the last complete
        // write, so that the next append, once it can write, continues a sound chain. Until then
        // every append fails and access fails closed.
        // After a rotation the active file is a new, shorter one: never extend it, only cut back.
        const goodSize = this.goodSize;
        const size = await stat(this.options.file).then(
          (st) => st.size,
          () => 0,
        );
        if (goodSize !== undefined && goodSize <= size)
          await truncate(this.options.file, goodSize).catch(() => undefined);
        this.head = undefined;
        const error = this.loud(new AuditWriteFailedError(this.options.file, { cause }));
        for (const p of batch) p.reject(error);
      }
    }
    // Cleared in the same synchronous step as the last look at the queue (no await in between),
    // so an append can never be queued after that look while `flushing` still says a flush runs.
    this.flushing = undefined;
  }

  /** The clock's time as ISO 8601, and as JSON (kept for the millisecond: a burst shares them). */
  private timeNow(): { readonly time: string; readonly timeJson: string } {
    const ms = this.options.clock.now();
    if (ms !== this.lastTime.ms) {
      const time = new Date(ms).toISOString();
      this.lastTime = { ms, time, timeJson: JSON.stringify(time) };
    }
    return this.lastTime;
  }

  /** Records the head in the anchor; a failure is logged (verify then reports the log as ahead of it). */
  private writeAnchor(head: AuditHead): void {
    try {
      this.anchor.write(head, this.options.key);
    } catch (error) {
      this.options.logger?.error('audit head anchor could not be written; verify will report the log as ahead of it', {
        error,
      });
    }
  }

  private async readHead(): Promise<AuditHead> {
    await mkdir(dirname(this.options.file), { recursive: true });
    const head = await readAuditSetHead(this.options.file);
    this.goodSize = await stat(this.options.file).then(
      (s) => s.size,
      () => 0,
    );
    return head;
  }

  private async mirror(entries: readonly AuditEntry[]): Promise<void> {
    if (!this.options.mirror) return;
    try {
      await this.options.mirror.write(entries);
    } catch (error) {
      this.options.logger?.error('audit mirror write failed; the audit file holds the entries', { error });
    }
  }

  private clean(record: AuditRecord): AuditRecord {
    const s = this.options.secrets;
    if (!s) return record;
    return { ...record, who: s.scrub(record.who), resource: s.scrub(record.resource), reason: s.scrub(record.reason) };
  }

  private loud(error: AuditWriteFailedError): AuditWriteFailedError {
    this.options.logger?.error(error.message, { code: error.code, file: error.file });
    return error;
  }
}
