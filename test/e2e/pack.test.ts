import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: `npm pack` (of the built `dist/`), installed into an empty
 * project, imported from an .mjs file and from a .ts file type-checked with tsc.
 */
const ROOT = resolve('.');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const sh = (cwd: string, command: string, args: readonly string[]): string =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });

describe('npm pack → npm install → import stator', () => {
  let work: string;
  let project: string;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    work = mkdtempSync(join(tmpdir(), 'stator-e2e-pack-'));
    // --ignore-scripts: `prepack` would rebuild the shared tree; dist/ is already built.
    sh(ROOT, NPM, ['pack', '--ignore-scripts', '--pack-destination', work]);
    project = join(work, 'app');
    sh(work, 'mkdir', ['app']);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }),
    );
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball in ${work}`);
    // Native builds (better-sqlite3) are not needed to import the package.
    sh(project, NPM, ['install', '--ignore-scripts', '--prefer-offline', '--no-package-lock', join(work, tarball)]);
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships dist, machines and the README, and no tests', () => {
    const files = sh(project, 'find', ['node_modules/stator', '-type', 'f']).split('\n');
    expect(files).toContain('node_modules/stator/dist/src/index.js');
    expect(files).toContain('node_modules/stator/dist/src/index.d.ts');
    expect(files).toContain('node_modules/stator/dist/machines/supervisor.machine.js');
    expect(files).toContain('node_modules/stator/machines/supervisor.machine.ts');
    expect(files).toContain('node_modules/stator/README.md');
    expect(files.filter((f) => /\.test\.(js|ts)$/.test(f))).toEqual([]);
    // Built when packed (`prepack`), not when installed: no `prepare` for npm to run or warn about,
    // and `npm ci` in the repository does not build before the test command builds once.
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/stator/package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    expect(installed.scripts?.prepare).toBeUndefined();
    expect(installed.scripts?.prepack).toBe('npm run build');
  });

  it('imports from an .mjs file and runs a Stator', () => {
    writeFileSync(
      join(project, 'main.mjs'),
      [
        "import { createStator, isStartupError, TestClock } from 'stator';",
        "import { TestClock as TestingClock } from 'stator/testing';",
        "const stator = createStator({ config: { filesystem: { base_path: './var' } }, layers: { database: false }, logger: { silent: true } });",
        'await stator.start();',
        'const health = stator.health();',
        'await stator.stop();',
        'console.log(JSON.stringify({ createStator: typeof createStator, isStartupError: typeof isStartupError,',
        '  clock: typeof TestClock, testing: typeof TestingClock, status: health.status, resources: Object.keys(health.resources) }));',
      ].join('\n'),
    );
    const out = JSON.parse(sh(project, process.execPath, ['main.mjs'])) as Record<string, unknown>;
    expect(out).toEqual({
      createStator: 'function',
      isStartupError: 'function',
      clock: 'function',
      testing: 'function',
      status: 'up',
      resources: ['cache', 'filesystem'],
    });
  });

  it('type-checks a .ts file against the shipped declarations', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(project, 'main.ts'),
      [
        "import { createStator, isStartupError, type Stator, type StatusSnapshot, type StopReport } from 'stator';",
        "const stator: Stator = createStator({ config: { cache: { driver: 'memory' } }, layers: { database: false } });",
        'const health: StatusSnapshot = stator.health();',
        "const status: 'up' | 'degraded' | 'down' = health.status;",
        'const state: string | undefined = health.resources.cache?.state;',
        'export async function run(): Promise<StopReport> {',
        '  try { await stator.start(); } catch (e) { if (isStartupError(e)) console.error(e.failures.map((f) => f.resource)); }',
        '  await stator.cache.set("k", 1);',
        '  return stator.stop();',
        '}',
        '// @ts-expect-error: the types are real, not any',
        'health.noSuchField.x;',
        '// @ts-expect-error: config keys are checked',
        "createStator({ config: { cache: { driver: 'nope' } } });",
        'console.log(status, state);',
      ].join('\n'),
    );
    let output = '';
    try {
      output = sh(project, TSC, ['-p', '.']);
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
    // tsc reads every shipped declaration and its dependencies' (skipLibCheck off): about 20 s
    // alone, over a minute on a 2-core machine that runs the other suites beside it.
  }, 240_000);
});
