import { z } from 'zod';
import { count, seconds } from './common.js';

/** `supervisor:` — how failed resources are restarted (OTP-style). */
export const supervisorSection = z.strictObject({
  /** one_for_one restarts the failed resource; rest_for_one also those that depend on it. */
  strategy: z.enum(['one_for_one', 'rest_for_one']).default('one_for_one'),
  /** Restarts allowed within restart_period before the supervisor gives up (failed). */
  max_restarts: count(0).default(3),
  /** Seconds of the restart intensity window. */
  restart_period: seconds().default(60),
  /** Seconds each resource gets to stop before it is abandoned. */
  stop_timeout: seconds().default(10),
});
