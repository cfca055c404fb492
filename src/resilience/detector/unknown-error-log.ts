import type { Logger } from '../../logging/logger.js';

const MAX_SIGNATURES = 1000;

/**
 * Logs each distinct unknown error once, with everything it carries (name, message, code,
 * errno, its other own properties, stack, cause), so that a new driver error can be added to
 * the detector; repeats are only counted.
 */
export class UnknownErrorLog {
  /** Unknown errors seen, repeats included. */
  public count = 0;
  private readonly seen = new Set<string>();

  public constructor(private readonly logger: Logger) {}

  public note(error: unknown, resource: string, operation: string): void {
    this.count++;
    const signature = signatureOf(error);
    if (this.seen.has(signature)) return;
    if (this.seen.size < MAX_SIGNATURES) this.seen.add(signature);
    this.logger.warn(
      `unrecognised error from ${resource} operation "${operation}": treated as not transient; ` +
        'it counts against the breaker and no fallback answers for it. Logged once per kind of error.',
      { resource, operation, detail: describe(error, 0) },
    );
  }
}

function signatureOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return `${typeof error}:${String(error).slice(0, 200)}`;
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  return `${String(e.name)}|${String(e.code)}|${String(e.message).slice(0, 200)}`;
}

function describe(error: unknown, depth: number): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const out: Record<string, unknown> = {};
  const e = error as Record<string, unknown> & { name?: unknown; message?: unknown; stack?: unknown; cause?: unknown };
  out.name = e.name;
  out.class = (error as object).constructor?.name;
  out.message = e.message;
  for (const [key, value] of Object.entries(e)) {
    if (key === 'cause') continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  out.stack = e.stack;
  if (e.cause !== undefined && depth < 3) out.cause = describe(e.cause, depth + 1);
  return out;
}
