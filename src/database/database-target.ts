import { isAbsolute, resolve } from 'node:path';
import type { StatorConfig } from '../config/schema.js';
import { DEFAULT_PORT } from './dialect.js';

/**
 * Where the database is, resolved once from config: what the connector connects to and what
 * every error message names. Never holds the password (that stays in the connector's settings).
 */
export interface DatabaseTarget {
  readonly dialect: StatorConfig['database']['driver'];
  /** Server databases: host and port. */
  readonly host?: string;
  readonly port?: number;
  /** Server databases: the database name. */
  readonly database?: string;
  readonly user?: string;
  /** SQLite: the absolute path of the database file, or `:memory:`. */
  readonly filename?: string;
  /** For messages: `postgresql database "app" at 127.0.0.1:5432 as user "app"`, `SQLite database /srv/var/stator.sqlite`. */
  readonly description: string;
}

/** Resolves the target of `config.database`; the SQLite file is relative to `filesystem.base_path`. */
export function resolveDatabaseTarget(config: StatorConfig): DatabaseTarget {
  const db = config.database;
  if (db.driver === 'sqlite') {
    const filename =
      db.filename === ':memory:'
        ? ':memory:'
        : isAbsolute(db.filename)
          ? db.filename
          : resolve(config.filesystem.base_path, db.filename);
    return { dialect: 'sqlite', filename, description: `SQLite database ${filename}` };
  }
  const port = db.port ?? DEFAULT_PORT[db.driver];
  const user = db.username;
  return {
    dialect: db.driver,
    host: db.host,
    port,
    database: db.database,
    ...(user !== undefined ? { user } : {}),
    description:
      `${db.driver} database "${db.database}" at ${db.host}:${port}${user !== undefined ? ` as user "${user}"` : ''}` +
      (db.ssl.mode === 'disable' ? '' : ` over TLS (${db.ssl.mode})`),
  };
}
