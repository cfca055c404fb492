import { z } from 'zod';
import { count, port, resourceKeys, seconds } from './common.js';

/** `database:` — which SQL database, where, and how patient to be with it. */
export const databaseSection = z.strictObject({
  driver: z.enum(['sqlite', 'postgresql', 'mysql']).default('sqlite'),
  host: z.string().min(1).default('127.0.0.1'),
  /** Default: 5432 for postgresql, 3306 for mysql. */
  port: port().optional(),
  database: z.string().min(1).default('stator'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Read the password from this file (Docker/Kubernetes secrets). */
  password_file: z.string().optional(),
  /** SQLite: the database file, relative to `filesystem.base_path` unless absolute. */
  filename: z.string().min(1).default('stator.sqlite'),
  /** Seconds before connecting or a query gives up. */
  timeout: seconds().default(10),
  retry_attempts: count(0).default(3),
  /** Seconds between connection attempts. */
  retry_delay: seconds().default(1),
  /**
   * Seconds during which a slow query shape is reported (explained, logged, counted) at most once.
   * A query is slow when it takes longer than `monitoring.performance_threshold`.
   */
  slow_query_interval: seconds().default(300),
  /** Explain slow queries (EXPLAIN / EXPLAIN QUERY PLAN) to report the tables they scan without an index. */
  explain_slow_queries: z.boolean().default(true),
  ...resourceKeys,
});
