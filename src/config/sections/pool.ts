import { z } from 'zod';
import { count, ratio, seconds } from './common.js';

/** `connection_pool:` — Stator's pool of database connections (each one a connection machine). */
export const connectionPoolSection = z.strictObject({
  max_connections: count(1).default(10),
  /** Connections kept open even when idle. */
  min_connections: count(0).default(0),
  /** Seconds an idle connection lives before it is retired. */
  idle_timeout: seconds().default(300),
  /** Seconds a connection lives at most, whatever its use. */
  max_lifetime: seconds().default(3600),
  /** Spread of max_lifetime (0.1 = ±10%) so connections do not all retire together. */
  lifetime_jitter: ratio().default(0.1),
  /** Seconds between validations of an idle connection; also the idleness after which a borrow validates first. */
  validation_interval: seconds().default(60),
  /** Seconds an acquire waits for a connection before POOL_TIMEOUT. */
  acquire_timeout: seconds().default(30),
  /** Seconds a lease may be held before it is reported as a possible leak (0 = off). */
  leak_threshold: seconds().default(60),
  /**
   * When the pool records the acquiring stack (shown in leak reports and POOL_TIMEOUT messages):
   * `sampled` (at most 10 acquires a second, and every acquire for five minutes after a leak or
   * a timeout), `always` (8–15 µs per acquire under load), `never`. `stator.db.transaction` samples
   * the callers it names the same way.
   */
  capture_stacks: z
    .enum(['sampled', 'always', 'never'], { error: 'expected sampled, always or never' })
    .default('sampled'),
});
