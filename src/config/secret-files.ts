import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigProblem } from '../errors/config-invalid-error.js';
import { isSecretKey } from '../logging/redact.js';
import { formatPath } from './config-path.js';

/**
 * Reads every `<secret>_file` key (`password_file`, at any depth) into its secret key, the way
 * Docker and Kubernetes hand out secrets: `password_file: /run/secrets/db` sets `password` to the
 * file's content without its trailing newline. Relative paths start from `cwd`. Mutates `data`.
 *
 * @returns the problems found (unreadable file, both keys given); contents are never reported.
 */
export function readSecretFiles(data: unknown, cwd: string, path: PropertyKey[] = []): ConfigProblem[] {
  if (data === null || typeof data !== 'object') return [];
  if (Array.isArray(data)) return data.flatMap((item, i) => readSecretFiles(item, cwd, [...path, i]));
  const problems: ConfigProblem[] = [];
  const record = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    const target = key.endsWith('_file') ? key.slice(0, -'_file'.length) : '';
    if (target && isSecretKey(target) && typeof value === 'string') {
      const where = formatPath([...path, key]);
      if (record[target] !== undefined) {
        problems.push({ path: where, message: `give either ${target} or ${key}, not both` });
        continue;
      }
      const file = resolve(cwd, value);
      try {
        const content = readFileSync(file, 'utf8').replace(/\r?\n+$/, '');
        if (content === '')
          problems.push({ path: where, message: `the file ${file} is empty; put the ${target} in it` });
        else record[target] = content;
      } catch (error) {
        problems.push({ path: where, message: unreadable(file, (error as NodeJS.ErrnoException).code) });
      }
    } else {
      problems.push(...readSecretFiles(value, cwd, [...path, key]));
    }
  }
  return problems;
}

function unreadable(file: string, code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return `cannot read ${file}: no such file; check the path (relative paths start from the working directory)`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${file}: permission denied; make it readable by the user running the service`;
    case 'EISDIR':
      return `cannot read ${file}: it is a directory; give the path of the file holding the secret`;
    default:
      return `cannot read ${file} (${code ?? 'unknown error'}); check the path and its permissions`;
  }
}
