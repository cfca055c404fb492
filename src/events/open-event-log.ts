import path from 'node:path';
import type { RuntimeContext } from '../kernel/context.js';
import { rotationPolicy } from '../logging/rotation/rotation-policy.js';
import { EventLogWriter } from './event-log-writer.js';

/**
 * Where `events.path` puts the event log: as given when absolute, otherwise under
 * `filesystem.base_path` (itself relative to the working directory).
 */
export function eventLogPath(ctx: Pick<RuntimeContext, 'config'>): string | undefined {
  const file = ctx.config.events.path;
  if (!file) return undefined;
  return path.isAbsolute(file) ? file : path.resolve(ctx.config.filesystem.base_path, file);
}

/**
 * Starts writing the instance's event log when `events.path` is set (the Stator calls this in
 * `start()`, before its first machine starts, and closes the writer at the end of `stop()`).
 * A log that cannot be opened is reported on the logger and skipped: it never stops the service.
 */
export function openEventLog(ctx: RuntimeContext): EventLogWriter | undefined {
  const file = eventLogPath(ctx);
  if (!file) return undefined;
  try {
    return new EventLogWriter(ctx.events, file, {
      includeConnections: ctx.config.events.include_connections,
      rotation: rotationPolicy(ctx.config.events.rotation),
      clock: ctx.clock,
    });
  } catch (error) {
    ctx.logger.warn(
      `events: cannot write the event log to ${file}; running without it. Check events.path and its directory's permissions.`,
      { error },
    );
    return undefined;
  }
}
