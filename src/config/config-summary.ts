import { isAbsolute, join } from 'node:path';
import type { StatorConfig } from './schema.js';

/** One resource of a configuration, described for people: which driver, and where. */
export interface ResourceSummary {
  readonly name: 'cache' | 'filesystem' | 'database';
  /** `memory`, `redis`, `memcached`, `local`, `sqlite`, `postgresql`, `mysql`. */
  readonly driver: string;
  /** Where it lives: `127.0.0.1:6379`, a directory, a SQLite file. No credentials. */
  readonly location: string;
  readonly optional: boolean;
  /** `depends_on` as written (undefined: the runtime's default). */
  readonly dependsOn?: readonly string[];
}

const hostPort = (host: string, port: number | undefined, fallback: number): string => `${host}:${port ?? fallback}`;

/**
 * What a validated configuration will run, without secrets: for `stator check` and start-up
 * logs. Hosts and paths only; no user names, passwords or URLs with credentials.
 */
export function summarizeConfig(config: StatorConfig): ResourceSummary[] {
  const { cache, database, filesystem } = config;
  const cacheLocation =
    cache.driver === 'memory'
      ? `in process, up to ${cache.max_items} entries`
      : cache.driver === 'memcached'
        ? (cache.servers ?? [hostPort(cache.host, cache.port, 11211)]).join(', ')
        : cache.cluster
          ? `cluster of ${cache.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`
          : cache.sentinel
            ? `sentinel master "${cache.sentinel.name}" via ${cache.sentinel.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`
            : `${hostPort(cache.host, cache.port, 6379)} db ${cache.db}`;
  const cacheTls =
    cache.driver === 'redis' && cache.tls
      ? ` over TLS${cache.tls.reject_unauthorized ? '' : ' (certificate not checked)'}`
      : '';
  const databaseLocation =
    database.driver === 'sqlite'
      ? isAbsolute(database.filename)
        ? database.filename
        : join(filesystem.base_path, database.filename)
      : `${hostPort(database.host, database.port, database.driver === 'postgresql' ? 5432 : 3306)}/${database.database}` +
        (database.ssl.mode === 'disable' ? '' : ` over TLS (${database.ssl.mode})`);
  const mode = filesystem.permissions.toString(8).padStart(4, '0');
  return [
    {
      name: 'cache',
      driver: cache.driver,
      location: `${cacheLocation}${cacheTls}`,
      optional: cache.optional,
      ...(cache.depends_on ? { dependsOn: cache.depends_on } : {}),
    },
    {
      name: 'filesystem',
      driver: 'local',
      location: `${filesystem.base_path} (mode ${mode}; dirs: ${filesystem.required_dirs.join(', ') || 'none'})`,
      optional: filesystem.optional,
      ...(filesystem.depends_on ? { dependsOn: filesystem.depends_on } : {}),
    },
    {
      name: 'database',
      driver: database.driver,
      location: databaseLocation,
      optional: database.optional,
      ...(database.depends_on ? { dependsOn: database.depends_on } : {}),
    },
  ];
}
