/** Options of {@link onShutdownSignals}. */
export interface ShutdownSignalOptions {
  /** Default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called when a second signal arrives during the shutdown: the default exits at once with 130. */
  readonly onForce?: (signal: NodeJS.Signals) => void;
}

/**
 * Runs `shutdown` once on the first of `signals` (a second signal forces the exit). Returns a
 * function that removes the handlers.
 *
 * @example
 * ```ts
 * onShutdownSignals(async () => {
 *   const report = await stator.shutdown();
 *   process.exit(report.clean ? 0 : 1);
 * });
 * ```
 */
export function onShutdownSignals(
  shutdown: (signal: NodeJS.Signals) => void | Promise<void>,
  options: ShutdownSignalOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (started) {
      (options.onForce ?? (() => process.exit(130)))(signal);
      return;
    }
    started = true;
    void Promise.resolve()
      .then(() => shutdown(signal))
      .catch(() => process.exit(1));
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
