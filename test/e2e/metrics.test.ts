import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runNode, untilStatus, waitForOutput, type ChildRun } from './support/stator-process.js';

// `stator start` serving its endpoints on a port of the runtime/CLI/HTTP range (9460–9479).
const PORT = 9470;
const BASE = `http://127.0.0.1:${PORT}`;

describe('stator start serves /metrics that promtool accepts', () => {
  let dir: string;
  let run: ChildRun;

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    dir = mkdtempSync(join(tmpdir(), 'stator-e2e-metrics-'));
    const config = join(dir, 'stator.yaml');
    writeFileSync(
      config,
      [
        'filesystem:',
        `  base_path: ${join(dir, 'var')}`,
        'monitoring:',
        '  metrics_interval: 1',
        'http:',
        `  port: ${PORT}`,
        '  show_details: always',
        'shutdown:',
        '  drain_delay: 1',
      ].join('\n'),
    );
    run = runNode(dir, BIN, ['start', '--config', config]);
    await waitForOutput(run, new RegExp(`serving http://127\\.0\\.0\\.1:${PORT}`));
    await untilStatus(`${BASE}/ready`, 200);
  });

  afterAll(() => {
    if (run?.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("exposes every capability's metrics in the Prometheus text format", async () => {
    const response = await fetch(`${BASE}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      'stator_alert_state',
      'stator_cache_hits_total',
      'stator_pool_connections',
      'stator_database_queries_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
  });

  it('answers /health, /live, /ready and /status as JSON', async () => {
    const health = await fetch(`${BASE}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('up');
    expect((await fetch(`${BASE}/live`)).status).toBe(200);
    const status = (await (await fetch(`${BASE}/status`)).json()) as {
      readiness: unknown;
      alerts: unknown[];
      resources: Record<string, unknown>;
    };
    expect(status.readiness).toEqual({ ready: true });
    expect(status.alerts).toEqual([]);
    expect(Object.keys(status.resources)).toEqual(['cache', 'filesystem', 'database']);
  });

  it('shuts down on SIGTERM: not ready first, then stopped, exit 0', async () => {
    run.child.kill('SIGTERM');
    // The drain delay (1 s) keeps the server answering after it turns not ready: the poll sees the 503.
    const notReady = await untilStatus(`${BASE}/ready`, 503, () => run.child.exitCode !== null);
    expect(notReady?.status).toBe(503);
    const body: unknown = await notReady?.json();
    const code = await run.exit;
    expect(run.stdout).toContain('SIGTERM: not ready from now');
    expect(run.stdout).toMatch(/stator: stopped \(order: database, (cache, filesystem|filesystem, cache)\)/);
    expect(code).toBe(0);
    expect(body).toEqual({
      ready: false,
      reason: 'shutting down: draining in-flight work',
      blockers: [{ resource: 'shutdown', state: 'draining' }],
    });
  });
});
