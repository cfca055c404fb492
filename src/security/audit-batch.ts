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
 * Encodes a batch of audit entries in format 3 into one reused buffer: the entries' lines
 * (`{"seq":…,"time":…,"who":…,…,"reason":…}`), the seal (`sealAuditText`) computed over those very
 * bytes behind the previous hash, and `"prevHash"` and `"hash"` added to the last line. One pass of
 * UTF-8 encoding, one digest and no other copy of the batch's text: what is hashed is what is
 * written.
 */
export class AuditBatchEncoder {
  private buffer = Buffer.allocUnsafe(16 * 1024);
  /** `,"time":<time>,` as UTF-8, for the last time seen (a burst shares it). */
  private time = { json: '', bytes: Buffer.alloc(0) };

  public constructor(private readonly key: string | undefined) {}

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
    for (const r of records) room += LINE_OPEN.length + 20 + time.length + r.texts.bytes.length + 2;
    if (this.buffer.length < room) this.buffer = Buffer.allocUnsafe(Math.max(room, this.buffer.length * 2));
    const buf = this.buffer;
    const start = buf.write(prefix, 0, 'utf8');
    let end = start;
    for (let i = 0; i < records.length;) {
      // {"seq":<n>,"time":<time>,<keyed>}\n, copied from bytes prepared once.
      const line = end;
      const seq = prev.seq + 1 + i;
      for (let j = 0; j < LINE_OPEN.length; j++) buf[end++] = LINE_OPEN[j] as number;
      end = writeDigits(buf, end, seq);
      const width = end - line - LINE_OPEN.length;
      buf.set(time, end);
      end += time.length;
      const texts = (records[i] as { readonly texts: AuditRecordTexts }).texts;
      buf.set(texts.bytes, end);
      end += texts.bytes.length;
      buf[end++] = 0x7d; // }
      buf[end++] = 0x0a; // \n
      // The entries after it with the same record (a burst of one guarded call) and as many
      // digits: the line copied (doubling, one memmove each), then each copy's seq rewritten.
      let run = 1;
      if (Number.isSafeInteger(seq)) {
        const most = Math.min(records.length - i, 10 ** width - seq, Number.MAX_SAFE_INTEGER - seq + 1);
        while (run < most && (records[i + run] as { readonly texts: AuditRecordTexts }).texts === texts) run++;
      }
      if (run > 1) end = replicate(buf, line, end, run, width);
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

/**
 * Repeats the line at `line` (ending at `end`) until there are `count` of them, each with the seq
 * after the previous one's (same number of digits, `width`, at the same place after `{"seq":`);
 * returns the offset after the last.
 */
function replicate(buf: Buffer, line: number, end: number, count: number, width: number): number {
  const length = end - line;
  for (let copied = 1; copied < count;) {
    const lines = Math.min(copied, count - copied);
    buf.copyWithin(end, line, line + lines * length);
    end += lines * length;
    copied += lines;
  }
  // Counting up in decimal from the first line's digits, written into each following line.
  const first = line + LINE_OPEN.length;
  for (let k = 1, at = first + length; k < count; k++, at += length) {
    // The previous line's digits plus one (no carry out of the first digit: `count` keeps the width).
    for (let j = 0; j < width; j++) buf[at + j] = buf[at - length + j] as number;
    let digit = at + width - 1;
    while (buf[digit] === 0x39) buf[digit--] = 0x30;
    buf[digit] = (buf[digit] as number) + 1;
  }
  return end;
}

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
