import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The import rules of .dependency-cruiser.cjs (part of `npm run lint`), run on small trees written
// here: each deliberately wrong import must be reported by its rule, and a tree that follows the
// floors must pass.

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, '.fixtures');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/**
 * Writes `files` into a fresh tree and runs dependency-cruiser on it with the repository's rules:
 * the violations and the error count from the JSON report; with `exitStatus`, also the exit status
 * of the `err` report that `npm run lint:deps` prints.
 */
function cruise(
  files: Record<string, string>,
  exitStatus = false,
): { errors: number; status?: number | null; violations: Violation[] } {
  // Inside the repository, so that `xstate` resolves from its node_modules as it does for src/.
  mkdirSync(fixtures, { recursive: true });
  const dir = mkdtempSync(join(fixtures, 'tree-'));
  made.push(dir);
  const tree: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
    }),
    'package.json': JSON.stringify({ name: 'fixture', type: 'module' }),
    ...files,
  };
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const depcruise = (outputType: string) =>
    spawnSync(
      join(root, 'node_modules/.bin/depcruise'),
      ['src', 'machines', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', outputType],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
  const result = JSON.parse(depcruise('json').stdout) as { summary: { error: number; violations: Violation[] } };
  return {
    errors: result.summary.error,
    violations: result.summary.violations,
    ...(exitStatus ? { status: depcruise('err').status } : {}),
  };
}

/** A tree that follows every floor: machines, ground, a capability, the assembly and the entry. */
const clean: Record<string, string> = {
  'machines/alert.machine.ts':
    "import { setup } from 'xstate';\nexport const alertMachine = setup({}).createMachine({});\n",
  'machines/index.ts': "export { alertMachine } from './alert.machine.js';\n",
  'src/kernel/clock.ts': 'export const now = (): number => 0;\n',
  'src/errors/stator-error.ts': 'export class StatorError extends Error {}\n',
  'src/config/schema.ts':
    "import { StatorError } from '../errors/stator-error.js';\nexport const fail = (): never => { throw new StatorError(); };\n",
  'src/cache/cache-api.ts':
    "import { now } from '../kernel/clock.js';\nimport { alertMachine } from '../../machines/index.js';\nexport const get = (): unknown => [now(), alertMachine];\n",
  'src/runtime/create-stator.ts':
    "import { get } from '../cache/cache-api.js';\nexport const createStator = (): unknown => get();\n",
  'src/index.ts': "export { createStator } from './runtime/create-stator.js';\n",
};

/** The clean tree with one deliberately wrong import (or pair) of each kind the rules refuse. */
const wrong: Record<string, string> = {
  ...clean,
  // a machine importing src/
  'machines/alert.machine.ts':
    "import { setup } from 'xstate';\nimport { now } from '../src/kernel/clock.js';\nexport const alertMachine = setup({}).createMachine({ context: { at: now() } });\n",
  // the ground floor reaching up to a capability and to the assembly
  'src/kernel/clock.ts':
    "import { get } from '../cache/cache-api.js';\nexport const now = (): number => (get() ? 0 : 1);\n",
  'src/config/schema.ts':
    "import { createStator } from '../runtime/create-stator.js';\nexport const fail = (): unknown => createStator();\n",
  // capabilities reaching up to the assembly and to the public entry
  'src/cache/cache-api.ts':
    "import { createStator } from '../runtime/create-stator.js';\nexport const get = (): unknown => createStator;\n",
  'src/pool/pool.ts': "import { createStator } from '../index.js';\nexport const pool = createStator;\n",
  // a file cycle, and a folder cycle made of files that are not a cycle themselves
  'src/pool/lease.ts': "import { Pooled } from './pooled.js';\nexport class Lease { p?: Pooled; }\n",
  'src/pool/pooled.ts': "import { Lease } from './lease.js';\nexport class Pooled { l?: Lease; }\n",
  'src/status/status.ts': "import { x } from '../filesystem/fs.js';\nexport const s = x;\n",
  'src/filesystem/fs.ts': "import { t } from '../status/thing.js';\nexport const x = t;\n",
  'src/status/thing.ts': 'export const t = 1;\n',
  // an import that does not resolve
  'src/errors/stator-error.ts':
    "import { gone } from './gone.js';\nexport class StatorError extends Error { g = gone; }\n",
};

const edges = (violations: readonly Violation[], rule: string): string[] =>
  violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} -> ${v.to}`);

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('pass a tree that follows the floors', () => {
    const { errors, violations } = cruise(clean);
    expect(violations).toEqual([]);
    expect(errors).toBe(0);
  });

  describe('on a tree with wrong imports', () => {
    let result: ReturnType<typeof cruise>;
    beforeAll(() => {
      result = cruise(wrong, true);
    });

    it('fail, as `npm run lint` does', () => {
      expect(result.errors).toBeGreaterThan(0);
      expect(result.status).not.toBe(0);
    });

    it('refuse a machine that imports anything but xstate', () => {
      expect(edges(result.violations, 'machines-import-only-xstate')).toEqual([
        'machines/alert.machine.ts -> src/kernel/clock.ts',
      ]);
    });

    it('refuse a ground floor that imports a capability or the assembly', () => {
      expect(edges(result.violations, 'ground-imports-no-capability').sort()).toEqual([
        'src/config/schema.ts -> src/runtime/create-stator.ts',
        'src/kernel/clock.ts -> src/cache/cache-api.ts',
      ]);
    });

    it('refuse a capability that imports the assembly, a face or the public entry', () => {
      expect(edges(result.violations, 'capability-imports-no-assembly-or-face').sort()).toEqual([
        'src/cache/cache-api.ts -> src/runtime/create-stator.ts',
        'src/pool/pool.ts -> src/index.ts',
      ]);
    });

    it('refuse an import cycle between files, and between folders', () => {
      expect(edges(result.violations, 'no-circular-files').sort()).toEqual(
        expect.arrayContaining(['src/pool/lease.ts -> src/pool/pooled.ts']),
      );
      const folders = result.violations
        .filter((v) => v.rule.name === 'no-circular-folders')
        .map((v) => [v.from, v.to].sort().join(' <-> '));
      expect(folders).toContain('src/filesystem <-> src/status');
    });

    it('refuse an import that does not resolve', () => {
      expect(edges(result.violations, 'not-to-unresolvable')).toEqual(['src/errors/stator-error.ts -> ./gone.js']);
    });
  });
});
