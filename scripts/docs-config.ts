/**
 * `npm run docs:config`: regenerates the configuration reference in `docs/configuration.md` from
 * the zod schema and `scripts/config-reference/meanings.ts`. Exits 1, naming them, when a key has
 * no meaning or a meaning names no key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema } from '../src/config/schema.js';
import { meanings } from './config-reference/meanings.js';
import { checkMeanings, renderReference, replaceReference } from './config-reference/render.js';

// Compiled to dist/scripts/: the repository is two folders up.
const root = resolve(import.meta.dirname, '../..');
const page = resolve(root, 'docs/configuration.md');
const { undocumented, unknown } = checkMeanings(configSchema, meanings);
for (const key of undocumented)
  console.error(`undocumented key: ${key}; add its meaning to scripts/config-reference/meanings.ts`);
for (const key of unknown)
  console.error(
    `meaning of a key the schema does not have: ${key}; remove or rename it in scripts/config-reference/meanings.ts`,
  );
writeFileSync(page, replaceReference(readFileSync(page, 'utf8'), renderReference(configSchema, meanings)));
console.log(`wrote ${page}`);
if (undocumented.length > 0 || unknown.length > 0) process.exitCode = 1;
