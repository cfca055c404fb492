import type { StatorConfig } from '../config/schema.js';

/** The database drivers Stator speaks, as named in `database.driver`. */
export type Dialect = StatorConfig['database']['driver'];

/** The knex client behind each driver. */
export const KNEX_CLIENT: Readonly<Record<Dialect, 'pg' | 'mysql2' | 'better-sqlite3'>> = {
  postgresql: 'pg',
  mysql: 'mysql2',
  sqlite: 'better-sqlite3',
};

/** The port used when `database.port` is not set. */
export const DEFAULT_PORT: Readonly<Record<Exclude<Dialect, 'sqlite'>, number>> = {
  postgresql: 5432,
  mysql: 3306,
};
