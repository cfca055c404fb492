import type { SupervisedResource, SupervisorContext } from '../../machines/supervisor.machine.js';
import type { Logger } from '../logging/logger.js';
import type { SupervisorPhase } from '../status/aggregate.js';

/**
 * Logs what changed for each resource between two supervisor contexts: a failed attempt, a
 * restart back-off, a change of state. Returns the resources that reached `stopped` while the
 * supervisor stops (or failed), in order: the stop order.
 */
export function logResourceChanges(
  logger: Logger,
  before: SupervisorContext,
  after: SupervisorContext,
  phase: SupervisorPhase,
): string[] {
  const stopped: string[] = [];
  for (const name of after.order) {
    const was = before.resources[name];
    const now = after.resources[name];
    if (!now || !was) continue;
    const error = now.lastError ? `: ${now.lastError.message}` : '';
    if (now.attempts > was.attempts && now.state === 'initializing' && now.lastError) {
      logger.warn(`resource ${name}: attempt ${now.attempts} failed${error}; retrying`);
    }
    if (now.backoffPending && !was.backoffPending) {
      logger.warn(
        `resource ${name}: failed ${now.restarts + 1} times, more than supervisor.max_restarts within restart_period; ` +
          `restarting it in ${(now.backoffMs ?? 0) / 1000} s${error}`,
      );
    }
    if (now.state === was.state) continue;
    if (now.state === 'stopped' && (phase === 'stopping' || phase === 'stopped' || phase === 'failed'))
      stopped.push(name);
    logState(logger, name, now, error, was.state);
  }
  return stopped;
}

/** One resource's new state, at the level it deserves (coming back is news; the first start is not). */
function logState(logger: Logger, name: string, r: SupervisedResource, error: string, before: string): void {
  switch (r.state) {
    case 'ready':
      // Coming back is news; the first start is not.
      if (before === 'recovering' || before === 'degraded' || before === 'failed')
        logger.info(`resource ${name}: ready again`);
      else logger.debug(`resource ${name}: ready`);
      break;
    case 'degraded':
      logger.warn(`resource ${name}: degraded: ${r.degradedReason ?? ''}`);
      break;
    case 'recovering':
      logger.warn(`resource ${name}: recovering${error}`);
      break;
    case 'failed':
      logger.error(`resource ${name}: failed${error}`);
      break;
    case 'stopped':
      if (r.stopOutcome === 'abandoned') logger.warn(`resource ${name}: stop abandoned${error}`);
      else if (r.stopOutcome === 'error') logger.warn(`resource ${name}: stop failed${error}`);
      else logger.debug(`resource ${name}: stopped`);
      break;
    default:
      logger.debug(`resource ${name}: ${r.state}`);
  }
}
