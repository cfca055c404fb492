import { fileURLToPath } from 'node:url';
import { dirname, resolve, sep } from 'node:path';

/**
 * Where a lease was acquired: the stack captured at `acquire()` time. Capture is cheap (V8
 * records frames); formatting the text happens only when a leak or a timeout is reported.
 */
export interface AcquireSite {
  readonly stack?: string;
}

// Stator's own source (src/ or dist/src/) — frames there are not "the caller".
const ownSource = resolve(dirname(fileURLToPath(import.meta.url)), '..') + sep;
const STACK_DEPTH = 20;

/** Records the current stack, without formatting it. */
export function captureAcquireSite(): AcquireSite {
  const site: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_DEPTH;
  Error.captureStackTrace(site, captureAcquireSite);
  Error.stackTraceLimit = limit;
  return site;
}

/**
 * The first frame of the caller's own code: not Stator's, not a dependency in `node_modules`,
 * not Node's internals. `undefined` when the stack holds none (or was not captured).
 */
export function callerFrame(site: AcquireSite | undefined): string | undefined {
  const lines = site?.stack?.split('\n') ?? [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith('at ') || !/:\d+:\d+\)?$/.test(line)) continue;
    if (line.includes(`${sep}node_modules${sep}`) || line.includes('node:') || line.includes(ownSource)) continue;
    return line.slice(3);
  }
  return undefined;
}

/** The stack without its first line and without frames inside Stator itself. */
export function callerStack(site: AcquireSite | undefined): string | undefined {
  const lines = site?.stack?.split('\n').slice(1) ?? [];
  const kept = lines.filter((l) => !l.includes(ownSource));
  return kept.length ? kept.join('\n') : undefined;
}
