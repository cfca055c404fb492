import type { Logger } from '../../logging/logger.js';
import { sleep, type Clock } from '../../kernel/clock.js';

/** A resource that can refuse new work and wait for its in-flight work (the database's transactions). */
export interface Drainable {
  readonly name: string;
  /** From now on, new work fails at once with a clear error (`TransactionRefusedError`). */
  refuseNew?(reason: string): void;
  /** Resolves when in-flight work has finished; stops waiting when `signal` aborts. */
  drain?(signal: AbortSignal): Promise<void>;
}

/** What a graceful shutdown acts on (a Stator). */
export interface ShutdownTarget<TStop> {
  /** Fails readiness (first step, so load balancers stop sending traffic). */
  beginShutdown(): void;
  /** Resources with in-flight work, in start order. */
  drainables(): Iterable<Drainable>;
  /** Stops every resource in reverse dependency order, each within its time limit. */
  stop(): Promise<TStop>;
}

/** Timing of {@link gracefulShutdown} (the `shutdown` configuration section, in milliseconds). */
export interface GracefulShutdownOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Between failing readiness and refusing new work: time for load balancers to notice. */
  readonly drainDelayMs: number;
  /** How long in-flight work may take to finish before resources are stopped anyway. */
  readonly drainTimeoutMs: number;
}

/** How a graceful shutdown went. */
export interface ShutdownReport<TStop> {
  /** True when in-flight work finished within the drain timeout. */
  readonly drained: boolean;
  /** Resources whose in-flight work was still running at the drain timeout. */
  readonly undrained: readonly string[];
  /** What `stop()` reported. */
  readonly stop: TStop;
}

/**
 * Shuts a Stator down the way an orchestrator expects:
 * 1. readiness fails at once (`/ready` answers 503 "shutting down");
 * 2. after `drainDelayMs`, resources refuse new work (new transactions fail with a clear error)
 *    while in-flight work finishes, for at most `drainTimeoutMs`;
 * 3. resources stop in reverse dependency order, each within `supervisor.stop_timeout`.
 */
export async function gracefulShutdown<TStop>(
  target: ShutdownTarget<TStop>,
  options: GracefulShutdownOptions,
): Promise<ShutdownReport<TStop>> {
  const { clock, logger } = options;
  target.beginShutdown();
  logger.info(`shutdown: readiness failed; draining in ${options.drainDelayMs} ms`);
  await sleep(clock, options.drainDelayMs);

  const drainables = [...target.drainables()];
  for (const d of drainables) d.refuseNew?.('the service is shutting down');
  const timeout = new AbortController();
  const timer = clock.setTimeout(() => timeout.abort(new Error('drain timeout')), options.drainTimeoutMs);
  const undrained: string[] = [];
  await Promise.all(
    drainables.map(async (d) => {
      if (!d.drain) return;
      try {
        await d.drain(timeout.signal);
      } catch (error) {
        logger.warn(`shutdown: ${d.name} did not drain`, { error });
      }
      if (timeout.signal.aborted) undrained.push(d.name);
    }),
  );
  clock.clearTimeout(timer);
  if (undrained.length)
    logger.warn(
      `shutdown: in-flight work of ${undrained.join(', ')} still running after ${options.drainTimeoutMs} ms; stopping anyway`,
    );
  else logger.info('shutdown: in-flight work drained; stopping resources');

  const stop = await target.stop();
  return { drained: undrained.length === 0, undrained, stop };
}
