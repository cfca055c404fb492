import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Stator's version, from the `package.json` of the installed package (src/cli/ or dist/src/cli/ below it). */
export function statorVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.split(path.sep).includes('dist') ? '../../..' : '../..';
  const pkg = JSON.parse(readFileSync(path.resolve(here, up, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
