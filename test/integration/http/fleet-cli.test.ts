import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import { FleetReader } from '../../../src/status/fleet/fleet-reader.js';
import { BIN } from '../../e2e/support/stator-process.js';

// Two Stators on the embedded default publish heartbeats to the shared Redis under a service name
// of this test's own; `stator fleet` lists both; one that stops leaves the fleet at once.
const SERVICE = `fleet-cli-${process.pid}`;

/** Runs the CLI without blocking this process, whose Stators must keep beating meanwhile. */
async function cli(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { status: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the fleet: heartbeats in Redis and `stator fleet`', () => {
  const dirs: string[] = [];
  const stators: Stator[] = [];
  let config: string;

  const start = async (instance: string): Promise<Stator> => {
    const dir = mkdtempSync(join(tmpdir(), 'stator-fleet-'));
    dirs.push(dir);
    const stator = createStator({
      logger: createLogger({ silent: true }),
      config: {
        filesystem: { base_path: dir },
        fleet: { service: SERVICE, instance, interval: 0.2, redis: { port: 6379 } },
        shutdown: { drain_delay: 0 },
      },
    });
    stators.push(stator);
    await stator.start();
    return stator;
  };

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    const dir = mkdtempSync(join(tmpdir(), 'stator-fleet-cli-'));
    dirs.push(dir);
    config = join(dir, 'stator.yaml');
    writeFileSync(config, ['fleet:', `  service: ${SERVICE}`, '  redis: { port: 6379 }'].join('\n'));
  });

  afterAll(async () => {
    for (const s of stators) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('lists every live instance with its resources, and forgets one that stopped', async () => {
    await start('alpha');
    const beta = await start('beta');
    const reader = new FleetReader({ redis: { port: 6379 }, keyPrefix: `stator:fleet:${SERVICE}:` });
    try {
      while ((await reader.list()).filter((i) => i.status === 'up').length < 2)
        await new Promise((r) => setTimeout(r, 50));

      const json = await cli(['fleet', '--config', config, '--json']);
      expect(json.status).toBe(0);
      const listed = JSON.parse(json.stdout) as Array<{
        instance: string;
        status: string;
        pid: number;
        resources: Record<string, { state: string }>;
      }>;
      expect(listed.map((i) => [i.instance, i.status, i.pid])).toEqual([
        ['alpha', 'up', process.pid],
        ['beta', 'up', process.pid],
      ]);
      expect(listed[0]?.resources).toEqual({
        cache: { state: 'ready' },
        filesystem: { state: 'ready' },
        database: { state: 'ready' },
      });

      const text = await cli(['fleet', '--config', config]);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^fleet ${SERVICE}: 2 instances\\n  alpha +up `));
      expect(text.stdout).toMatch(/^ {4}database +ready$/m);

      await beta.stop();
      expect((await reader.list()).map((i) => i.instance)).toEqual(['alpha']);
    } finally {
      reader.close();
    }
  });

  it('says so and exits 2 when the fleet is off', () => {
    const r = spawnSync(process.execPath, [BIN, 'fleet'], { encoding: 'utf8', cwd: tmpdir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the fleet is off: set cache\.driver: redis, error_handling\.redis or fleet\.redis/);
  });
});
