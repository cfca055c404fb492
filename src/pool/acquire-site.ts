import { fileURLToPath } from 'node:url';
import { dirname, resolve, sep } from 'node:path';
import { AsyncSlot } from '../kernel/async-slot.js';

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

const sites = new AsyncSlot<AcquireSite>();

/** A function whose frame, and the frames above it, a captured stack leaves out (V8's `constructorOpt`). */
export type StackTop = (...args: never[]) => unknown;

/**
 * Runs `fn` with `site` as the acquiring site of every acquire it causes, however many ticks
 * later. For callers whose acquires happen in a later tick, where the stack no longer shows them:
 * a knex query or transaction acquires from a promise job, so the database layer captures the
 * site where the user called it and runs the knex call inside this.
 *
 * @example
 * ```ts
 * const site = captureAcquireSite();
 * return runWithAcquireSite(site, () => knex.transaction(work));
 * ```
 */
export function runWithAcquireSite<T>(site: AcquireSite, fn: () => T): T {
  return sites.run(site, fn);
}

/** The site set by {@link runWithAcquireSite} around the current call, if any. */
export function siteInContext(): AcquireSite | undefined {
  return sites.getStore();
}

/**
 * Records the current stack, without formatting it. `below` leaves out the frames of that
 * function and everything it called (a public entry point passes itself, so that the stack starts
 * at its caller); `depth` bounds the frames kept: capturing costs about half a microsecond a frame.
 */
export function captureAcquireSite(below: StackTop = captureAcquireSite, depth = STACK_DEPTH): AcquireSite {
  const site: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  Error.captureStackTrace(site, below);
  Error.stackTraceLimit = limit;
  return site;
}

/**
 * The first frame of the caller's own code: not Stator's, not a dependency in `node_modules`,
 * not Node's internals; failing that, the first dependency frame (the acquire ran in a later tick,
 * e.g. from knex's promise chain). `undefined` when no stack was captured.
 */
export function callerFrame(site: AcquireSite | undefined): string | undefined {
  const frames = (site?.stack?.split('\n') ?? [])
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at ') && /:\d+:\d+\)?$/.test(l) && !l.includes('node:') && !l.includes(ownSource));
  // A dependency's frame (knex) is still better than nothing when the caller's is not on the stack.
  const frame = frames.find((l) => !l.includes(`${sep}node_modules${sep}`)) ?? frames[0];
  return frame?.slice(3);
}

/** The stack without its first line and without frames inside Stator itself. */
export function callerStack(site: AcquireSite | undefined): string | undefined {
  const lines = site?.stack?.split('\n').slice(1) ?? [];
  const kept = lines.filter((l) => !l.includes(ownSource));
  return kept.length ? kept.join('\n') : undefined;
}
