import { mkdir, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuditWriteFailedError } from '../errors/audit-write-failed-error.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/redact.js';
import type { RotationPolicy } from '../logging/rotation/rotation-policy.js';
import type { Clock } from '../kernel/clock.js';
import { AuditAnchorFile } from './audit-anchor.js';
import { AuditBatchEncoder } from './audit-batch.js';
import { auditRecordTexts, type AuditEntry, type AuditRecord, type AuditRecordTexts } from './audit-entry.js';
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
  /** Called after each written batch with its number of entries (metrics). */
  readonly onWritten?: (count: number) => void;
  /** `security.audit.key`: entries are HMAC'd with it, so a recomputed chain fails verification. */
  readonly key?: string;
  /**
   * `security.audit.runs`: a batch's consecutive entries of one record take one line that counts
   * them (default), or (`false`) one line each.
   */
  readonly runs?: boolean;
  /**
   * How a batch reaches the file (the fs seam; default `appendFile`). Tests inject one that fails
   * part-way, as a full disk does.
   */
  readonly write?: (file: string, data: string) => Promise<void>;
}

/**
 * Told when its queued entry ({@link AuditLog.writeThen}) is written under `sync`, or could not
 * be. Its methods must not throw; they run in the audit log's flush, right after the write.
 */
export interface AuditWaiter {
  readonly record: AuditRecord;
  written(): void;
  failed(error: Error): void;
}

interface Pending {
  readonly record: AuditRecord;
  /** Absent for {@link AuditLog.write}: the caller awaits the batch's shared promise. */
  readonly resolve?: (entry: AuditEntry) => void;
  readonly reject?: (error: Error) => void;
  /** An {@link AuditWaiter}'s. */
  readonly written?: () => void;
  readonly failed?: (error: Error) => void;
}

/** The one promise that every {@link AuditLog.write} of a batch awaits. */
interface SharedBatch {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

function sharedBatch(): SharedBatch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A record as written (scrubbed) and its JSON texts, for the secret count they were scrubbed at. */
interface Prepared {
  readonly clean: AuditRecord;
  readonly texts: AuditRecordTexts;
  readonly secrets: number;
}

/**
 * The append-only, hash-chained audit log. {@link AuditLog.append} resolves once the entry is in
 * the file, and rejects with {@link AuditWriteFailedError} when it could not be written; callers
 * deny the access then (fail closed).
 *
 * Group commit: the entries appended in the same turn of the event loop, and those that arrive
 * while a flush to disk is in flight (`sync: always`), are written together in one write, so a
 * burst of guarded calls costs a few writes, not one each. An append resolves once its entry is
 * written under `sync` (see `AuditWriter`). Sequence numbers and the seal are assigned when a
 * batch is written, so a failed batch leaves no gap. Each batch is hashed once: its entries share
 * one seal (`sealAuditText`, over the bytes written) that chains to the previous batch's, carried
 * by the batch's last line, and a burst of one record takes one line that counts it (format 4,
 * `AuditBatchEncoder`).
 *
 * One writer per file: two Stator instances must not share an audit file (their chains would
 * interleave and fail verification).
 */
export class AuditLog {
  private head: AuditHead | undefined;
  /** File size after the last complete write: a failed write is cut back to it. */
  private goodSize: number | undefined;
  private queue: Pending[] = [];
  /** The promise of the queued batch that {@link write} hands out, made on the first write. */
  private shared: SharedBatch | undefined;
  /**
   * Records written again and again (a memoized decision's record is one object) are scrubbed
   * and turned into JSON once, and again only when a secret was registered since.
   */
  private readonly prepared = new WeakMap<AuditRecord, Prepared>();
  private flushing: Promise<void> | undefined;
  /** The held-open file with group commit, `sync` and rotation. */
  private readonly writer: AuditWriter;
  private lastTime = { ms: Number.NaN, time: '', timeJson: '""' };
  /** The chain head kept outside the log (`<file>.head`). */
  private readonly anchor: AuditAnchorFile;
  /** Lines and seal of each batch (format 4), in one reused buffer. */
  private readonly encoder: AuditBatchEncoder;

  public constructor(private readonly options: AuditLogOptions) {
    this.writer = new AuditWriter({
      ...(options.rotation ? { rotation: options.rotation } : {}),
      file: options.file,
      sync: options.sync ?? 'batch',
      batchIntervalMs: options.batchIntervalMs ?? 100,
      clock: options.clock,
      onSyncFailed: (cause) => this.loud(new AuditWriteFailedError(options.file, { cause })),
    });
    this.anchor = new AuditAnchorFile(options.file, (error) =>
      options.logger?.error('audit head anchor could not be written; verify will report the log as ahead of it', {
        error,
      }),
    );
    this.encoder = new AuditBatchEncoder(options.key, options.runs ?? true);
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
    return new Promise<AuditEntry>((resolve, reject) => this.enqueue({ record, resolve, reject }));
  }

  /**
   * {@link append} without the entry: resolves once it is written (rejects with
   * {@link AuditWriteFailedError} when not), with one promise shared by every such call of the
   * batch. What a guarded call awaits: `record` may be the same object each time (it is scrubbed
   * and serialized once).
   */
  public write(record: AuditRecord): Promise<void> {
    this.enqueue({ record });
    return (this.shared ??= sharedBatch()).promise;
  }

  /**
   * {@link write} without a promise: `waiter.written()` is called once the entry is written
   * (`waiter.failed(error)` when it cannot be), so a caller that has a promise of its own
   * (a guarded call) adds no other. `waiter.record` may be the same object each time.
   */
  public writeThen(waiter: AuditWaiter): void {
    this.enqueue(waiter);
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    // Once the microtasks queued so far have run (process.nextTick): the appends of every call
    // running in this turn join the batch, however many promise steps each took to get here. One
    // microtask later split a burst whose calls took paths of different lengths into a write per
    // length, burst after burst (test: one write for the appends of a turn).
    this.flushing ??= new Promise<void>((resolve) => process.nextTick(() => resolve(this.flush())));
  }

  /** Writes what is queued, flushes the file to disk and closes it (it reopens on the next append). */
  public async close(): Promise<void> {
    await this.drain();
    this.writer.close();
    await this.writer.settled();
    this.anchor.close();
  }

  /** Resolves when every entry appended so far is written (or failed), and the head anchor names the last. */
  public async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.anchor.settle();
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      const shared = this.shared;
      this.queue = [];
      this.shared = undefined;
      try {
        this.head ??= await this.readHead();
        const { data, entries, head } = this.chain(batch, this.head);
        if (this.options.write) {
          await this.options.write(this.options.file, data.toString('utf8'));
        } else {
          // Group commit: the entries of concurrent calls leave in one write (see AuditWriter).
          const durable = this.writer.write(data);
          if (durable) await durable;
        }
        this.head = head;
        this.goodSize = (this.goodSize ?? 0) + data.length;
        this.anchor.update(head, this.options.key);
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i] as Pending;
          p.resolve?.(entries[i] as AuditEntry);
          p.written?.();
        }
        shared?.resolve();
        this.options.onWritten?.(batch.length);
        if (this.options.mirror) await this.mirror(entries as AuditEntry[]);
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
        for (const p of batch) {
          p.reject?.(error);
          p.failed?.(error);
        }
        shared?.reject(error);
      }
    }
    // Cleared in the same synchronous step as the last look at the queue (no await in between),
    // so an append can never be queued after that look while `flushing` still says a flush runs.
    this.flushing = undefined;
  }

  /**
   * The lines of `batch` continuing the chain at `head`, and their entries where someone needs
   * them (an {@link append}, the mirror); `head` is then the batch's last entry.
   */
  private chain(
    batch: readonly Pending[],
    head: AuditHead,
  ): { readonly data: Buffer; readonly entries: readonly (AuditEntry | undefined)[]; readonly head: AuditHead } {
    const { time, timeJson } = this.timeNow();
    // An append's record is read afresh; a write's (or a waiter's) may be the same object each time.
    let entriesWanted = this.options.mirror !== undefined;
    const prepared: Prepared[] = new Array<Prepared>(batch.length);
    let last: { readonly record: AuditRecord; readonly prepared: Prepared } | undefined;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending;
      if (p.resolve && !p.written) {
        entriesWanted = true;
        prepared[i] = this.fresh(p.record);
      } else if (last?.record === p.record) {
        prepared[i] = last.prepared; // the same record again (a burst of one guarded call): no lookup
      } else {
        last = { record: p.record, prepared: (prepared[i] = this.prepare(p.record)) };
      }
    }
    const { bytes, hash } = this.encoder.encode(prepared, head, timeJson);
    // Entries as objects only where someone takes them (an append, the mirror): not for guarded calls.
    const entries = entriesWanted
      ? batch.map((p, i) =>
          this.options.mirror || p.resolve
            ? entryOf((prepared[i] as Prepared).clean, head.seq + 1 + i, time, head.hash, hash)
            : undefined,
        )
      : NO_ENTRIES;
    return { data: bytes, entries, head: { seq: head.seq + batch.length, hash } };
  }

  /** `record` scrubbed and as JSON texts, prepared once per record object and registered secret count. */
  private prepare(record: AuditRecord): Prepared {
    const secrets = this.options.secrets?.count ?? 0;
    let prepared = this.prepared.get(record);
    if (prepared?.secrets !== secrets) {
      prepared = this.fresh(record);
      this.prepared.set(record, prepared);
    }
    return prepared;
  }

  private fresh(record: AuditRecord): Prepared {
    const clean = this.clean(record);
    return { clean, texts: auditRecordTexts(clean), secrets: this.options.secrets?.count ?? 0 };
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

/** What {@link AuditLog} hands on of a batch whose entries nobody takes as objects. */
const NO_ENTRIES: readonly (AuditEntry | undefined)[] = [];

function entryOf(r: AuditRecord, seq: number, time: string, prevHash: string, hash: string): AuditEntry {
  return {
    seq,
    time,
    who: r.who,
    action: r.action,
    resource: r.resource,
    decision: r.decision,
    reason: r.reason,
    prevHash,
    hash,
  };
}
