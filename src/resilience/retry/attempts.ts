/**
 * When retries run out, the pipeline rethrows the operation's own error (not a wrapper, so
 * `instanceof` and driver codes keep working) with the number of attempts made attached as an
 * `attempts` property.
 */
export function attachAttempts(error: unknown, attempts: number): void {
  if (typeof error !== 'object' || error === null) return;
  try {
    (error as { attempts?: number }).attempts = attempts;
  } catch {
    // A frozen or exotic error object (strict mode throws): the count is lost, the error is not.
  }
}

/**
 * How many attempts the pipeline made before giving up with `error`, or undefined when the
 * error did not come out of a pipeline.
 *
 * @example
 * ```ts
 * try { await pipeline.run('select', q); } catch (e) { log.warn('gave up', { attempts: attemptsOf(e) }); }
 * ```
 */
export function attemptsOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const n = (error as { attempts?: unknown }).attempts;
  return typeof n === 'number' ? n : undefined;
}
