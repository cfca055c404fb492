import type { Knex } from 'knex';
import type { Logger } from '../logging/logger.js';

/** Routes knex's own warnings (deprecations, "Connection Error: ...") to Stator's logger, scrubbed. */
export function knexLog(logger: Logger): Knex.Logger {
  return {
    warn: (message: unknown) => logger.warn(`knex: ${String(message)}`),
    error: (message: unknown) => logger.error(`knex: ${String(message)}`),
    debug: (message: unknown) => logger.debug(`knex: ${String(message)}`),
    deprecate: (method: string, alternative: string) =>
      logger.warn(`knex: ${method} is deprecated, use ${alternative}`),
  };
}
