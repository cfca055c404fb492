import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allSamples } from './markdown-samples.js';
import { sampleModule } from './run-sample.js';

// The code samples of README.md and docs/ type-check against the public API with the project's
// compiler settings, as a user's code would: a renamed option or a wrong type fails here even
// when the sample still happens to run. Compiling the samples compiles most of src/ (a minute on
// the 2-core machine), so this runs in `npm run lint` (lint:samples), not in `npm test`.

const root = resolve(import.meta.dirname, '../..');
const dir = join(import.meta.dirname, '.run', `types-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.env.STATOR_LINT_SAMPLES === '1')('documentation samples (npm run lint:samples)', () => {
  it('type-check against the public API (strict, as the project compiles)', () => {
    mkdirSync(dir, { recursive: true });
    const files = allSamples(root)
      .filter((sample) => ['ts', 'typescript'].includes(sample.lang))
      .map((sample) => {
        const file = join(dir, `${sample.page.replace(/[^a-z0-9]+/gi, '-')}-${sample.line}.ts`);
        writeFileSync(file, sampleModule(sample, file));
        return file;
      });
    expect(files.length).toBeGreaterThan(10);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false },
        include: [],
        files,
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
    const errors = tsc.stdout
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => line.replace(`${dir}/`, ''));
    expect(errors).toEqual([]);
    expect(tsc.status).toBe(0);
  }, 600_000);
});
