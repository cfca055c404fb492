import type { StatorConfig } from '../../config/schema.js';
import type { ConfigProblem } from '../../errors/config-invalid-error.js';

/**
 * What a valid configuration would still fail on at `stator start`, found without connecting:
 * `stator check` reports these with the schema's problems, in the same pass.
 *
 * - PostgreSQL or MySQL without `database.username` (and no connection URL): the driver falls
 *   back to `PGUSER` or the operating system's user name, which the server then refuses. With
 *   `PGUSER` set, PostgreSQL takes that and this is not reported.
 */
export function startProblems(config: StatorConfig, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const db = config.database as StatorConfig['database'] & { url?: unknown };
  if (db.driver !== 'sqlite' && !db.username && db.url === undefined && !(db.driver === 'postgresql' && env.PGUSER)) {
    problems.push({
      path: 'database.username',
      message: `required with database.driver ${db.driver}, got nothing (start would connect as the operating system's user and be refused); set database.username, and password: \${DB_PASSWORD}`,
    });
  }
  return problems;
}
