import { z } from 'zod';
import { count, seconds } from './common.js';

const SIZE_HINT = 'expected a size in bytes, or a number with a unit such as "64MB" (KB, MB, GB; 1 KB = 1024 bytes)';
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

/** A size: a number of bytes, or `"64MB"`. 0 means no limit. */
export const byteSize = () =>
  z.union([z.number(), z.string()], { error: SIZE_HINT }).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: SIZE_HINT });
      return z.NEVER;
    }
    return bytes;
  });

function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
  if (!match?.[1] || unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

/**
 * `rotation:` of a file Stator writes (the event log, the audit log, the file log): a new file
 * starts before a write that would pass `max_size`, or at the first write after `max_age`
 * seconds; `keep` rotated files are kept besides the active one (unset: all of them).
 */
export const rotationSection = (defaults: { max_size: string; keep?: number }) =>
  z.strictObject({
    /** Bytes (or "64MB") a file may reach; 0: no size limit. */
    max_size: byteSize().prefault(defaults.max_size),
    /** Seconds a file is written to before the next one starts; 0: no age limit. */
    max_age: seconds().default(0),
    /** Rotated files kept besides the active one; older ones are deleted. Unset: keep all. */
    keep: defaults.keep === undefined ? count(0).optional() : count(0).default(defaults.keep),
  });
