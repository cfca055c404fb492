import type { AuditRecordTexts } from './audit-entry.js';
import type { AuditHead } from './audit-tail.js';
import { hmacFor, sha256Hex } from './keyed-hash.js';

/** What {@link AuditBatchEncoder.encode} gives. */
export interface EncodedAuditBatch {
  /** The batch's lines as written: a view of the encoder's buffer, valid until its next `encode`. */
  readonly bytes: Buffer;
  /** The batch's seal: the new head's hash. */
  readonly hash: string;
}

/**
 * Encodes a batch of audit entries in format 4 into one reused buffer: the entries' lines
 * (`{"seq":…,"time":…,"who":…,…,"reason":…}`), the seal (`sealAuditText`) computed over those very
 * bytes behind the previous hash, and `"prevHash"` and `"hash"` added to the last line. One pass of
 * UTF-8 encoding, one digest and no other copy of the batch's text: what is hashed is what is
 * written.
 *
 * Consecutive entries of one record (the same prepared texts: a burst of one guarded call, whose
 * memoized decision is one record) take one line, `{"seq":…,"count":…,…}`. A burst of 32 calls
 * then writes and hashes one line of about 200 bytes, not 32: at concurrency 32 those bytes were
 * half of what a guarded `cache.get` cost over an unguarded one (`npm run bench -- security`).
 */
export class AuditBatchEncoder {
  private buffer = Buffer.allocUnsafe(16 * 1024);
  /** `,"time":<time>,` as UTF-8, for the last time seen (a burst shares it). */
  private time = { json: '', bytes: Buffer.alloc(0) };

  /**
   * @param key `security.audit.key` (the seal is an HMAC), or none (SHA-256).
   * @param runs consecutive entries of one record share a line (`count`); `false`: a line each.
   */
  public constructor(
    private readonly key: string | undefined,
    private readonly runs = true,
  ) {}

  /**
   * The lines of `records` (scrubbed, with their {@link AuditRecordTexts}) continuing the chain at `prev`:
   * seq numbers from `prev.seq + 1`, one `time` (as JSON) for all, one seal.
   */
  public encode(
    records: readonly { readonly texts: AuditRecordTexts }[],
    prev: AuditHead,
    timeJson: string,
  ): EncodedAuditBatch {
    if (this.time.json !== timeJson) this.time = { json: timeJson, bytes: Buffer.from(`,"time":${timeJson},`) };
    const time = this.time.bytes;
    const prefix = `${prev.hash}\n`;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; the tail is two JSON strings of a hash.
    let room = (prefix.length + prev.hash.length * 2) * 6 + 256;
    for (const r of records) room += LINE_OPEN.length + COUNT_OPEN.length + 40 + time.length + r.texts.bytes.length + 2;
    if (this.buffer.length < room) this.buffer = Buffer.allocUnsafe(Math.max(room, this.buffer.length * 2));
    const buf = this.buffer;
    const start = buf.write(prefix, 0, 'utf8');
    let end = start;
    for (let i = 0; i < records.length;) {
      const texts = (records[i] as { readonly texts: AuditRecordTexts }).texts;
      let run = 1;
      while (
        this.runs &&
        i + run < records.length &&
        (records[i + run] as { readonly texts: AuditRecordTexts }).texts === texts
      )
        run++;
      // {"seq":<n>[,"count":<run>],"time":<time>,<keyed>}\n, from bytes prepared once.
      buf.set(LINE_OPEN, end);
      end = writeDigits(buf, end + LINE_OPEN.length, prev.seq + 1 + i);
      if (run > 1) {
        buf.set(COUNT_OPEN, end);
        end = writeDigits(buf, end + COUNT_OPEN.length, run);
      }
      buf.set(time, end);
      end += time.length;
      buf.set(texts.bytes, end);
      end += texts.bytes.length;
      buf[end++] = 0x7d; // }
      buf[end++] = 0x0a; // \n
      i += run;
    }
    const hash = (this.key ? hmacFor(this.key) : sha256Hex)(buf.subarray(0, end));
    // The last line's `}\n` becomes `,"prevHash":…,"hash":…}\n`.
    const tail = `,"prevHash":${JSON.stringify(prev.hash)},"hash":"${hash}"}\n`;
    const stop = end - 2 + buf.write(tail, end - 2, 'utf8');
    return { bytes: buf.subarray(start, stop), hash };
  }
}

const LINE_OPEN = Buffer.from('{"seq":');
const COUNT_OPEN = Buffer.from(',"count":');

/** Writes the decimal digits of `n` (a non-negative integer) at `at`; returns the offset after them. */
function writeDigits(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  if (!Number.isSafeInteger(n)) return at + buf.write(String(n), at, 'latin1');
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = at + digits - 1, x = n; i >= at; i--, x = Math.floor(x / 10)) buf[i] = 0x30 + (x % 10);
  return at + digits;
}
