import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RuntimeContext } from '../kernel/context.js';
import type { DatabaseTarget } from './database-target.js';
import { driverSsl } from './tls-options.js';

/**
 * The driver's connection settings of `target`, read once per start: the password (from
 * `database.password_file` when given, registered as a secret), the certificate files (every
 * connection shares the buffers), timeouts and keep-alive. SQLite: the file, its directory made.
 */
export async function connectionSettings(
  ctx: RuntimeContext,
  target: DatabaseTarget,
): Promise<Record<string, unknown>> {
  const db = ctx.config.database;
  const timeoutMs = db.timeout * 1000;
  if (target.dialect === 'sqlite') {
    if (target.filename !== ':memory:') await mkdir(dirname(target.filename ?? '.'), { recursive: true });
    return { filename: target.filename };
  }
  let password = db.password;
  if (password === undefined && db.password_file !== undefined) {
    password = (await readFile(db.password_file, 'utf8')).replace(/\r?\n$/, '');
  }
  ctx.secrets.add(password);
  const ssl = driverSsl(target.dialect, db.ssl);
  const common = {
    host: target.host,
    port: target.port,
    user: target.user,
    password,
    database: target.database,
    ssl,
  };
  return target.dialect === 'postgresql'
    ? { ...common, connectionTimeoutMillis: timeoutMs, keepAlive: true, application_name: 'stator' }
    : { ...common, connectTimeout: timeoutMs, enableKeepAlive: true };
}
