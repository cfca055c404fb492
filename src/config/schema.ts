import { z } from 'zod';
import { cacheSection } from './sections/cache.js';
import { databaseSection } from './sections/database.js';
import { errorHandlingSection } from './sections/error-handling.js';
import { eventsSection } from './sections/events.js';
import { filesystemSection } from './sections/filesystem.js';
import { fleetSection } from './sections/fleet.js';
import { httpSection } from './sections/http.js';
import { monitoringSection } from './sections/monitoring.js';
import { shutdownSection } from './sections/shutdown.js';
import { securitySection } from './sections/security.js';
import { connectionPoolSection } from './sections/pool.js';
import { supervisorSection } from './sections/supervisor.js';
import { transactionSection } from './sections/transaction.js';

/**
 * The whole configuration. Every key of the seed keeps its name and meaning; durations are
 * seconds. Each section lives in `sections/`, owned by its capability. Unknown keys are errors.
 */
export const configSchema = z.strictObject({
  cache: cacheSection.prefault({}),
  database: databaseSection.prefault({}),
  filesystem: filesystemSection.prefault({}),
  connection_pool: connectionPoolSection.prefault({}),
  transaction: transactionSection.prefault({}),
  monitoring: monitoringSection.prefault({}),
  error_handling: errorHandlingSection.prefault({}),
  supervisor: supervisorSection.prefault({}),
  events: eventsSection.prefault({}),
  security: securitySection.prefault({}),
  http: httpSection.prefault({}),
  fleet: fleetSection.prefault({}),
  shutdown: shutdownSection.prefault({}),
});

/** The configuration as written (every key optional). */
export type StatorConfigInput = z.input<typeof configSchema>;
/** The validated configuration, defaults applied. */
export type StatorConfig = z.output<typeof configSchema>;
