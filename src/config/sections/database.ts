import { z } from 'zod';
import { count, port, resourceKeys, seconds } from './common.js';
import { applyDatabaseUrl } from './database-url.js';
import { databaseSsl } from './tls.js';

/**
 * `database:` — which SQL database, where, and how patient to be with it. `url` and the separate
 * keys combine (see `applyDatabaseUrl`): keys written beside the URL win, then the defaults
 * (`sqlite`, `127.0.0.1`, `stator`, `stator.sqlite`) apply.
 */
export const databaseSection = z
  .strictObject({
    /** Default `sqlite`, or what `url`'s scheme says. */
    driver: z.enum(['sqlite', 'postgresql', 'mysql']).optional(),
    /**
     * `postgres://user:password@host:5432/db?sslmode=verify-full`, `mysql://` (`mariadb://`),
     * `sqlite:path` / `file:path`; usually `${DATABASE_URL}`. A secret: never shown.
     */
    url: z.string().min(1).optional(),
    /** Default `127.0.0.1`. */
    host: z.string().min(1).optional(),
    /** Default: 5432 for postgresql, 3306 for mysql. */
    port: port().optional(),
    /** Default `stator`. */
    database: z.string().min(1).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Read the password from this file (Docker/Kubernetes secrets). */
    password_file: z.string().optional(),
    /** SQLite: the database file, relative to `filesystem.base_path` unless absolute. */
    filename: z.string().min(1).optional(),
    /** TLS for postgresql and mysql: `{ mode, ca_file, cert_file, key_file, servername, reject_unauthorized }`. */
    ssl: databaseSsl.optional(),
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
  })
  .transform(applyDatabaseUrl);
