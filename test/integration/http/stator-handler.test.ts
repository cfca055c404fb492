import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';
import { BehaviorSubject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatorHandler } from '../../../src/http/handler.js';
import { startStatorServer, type StatorServer } from '../../../src/http/server.js';
import type { HealthView, ObservedStator, ReadinessView } from '../../../src/http/observed-stator.js';
import { readSse } from './sse-client.js';

// An in-process server on a port the OS picks (no reserved port needed), in front of a fake Stator.
function fakeStator() {
  const registry = new Registry();
  const status$ = new BehaviorSubject<Record<string, unknown>>({ status: 'up', seq: 0 });
  let health: HealthView & Record<string, unknown> = { status: 'up', resources: {} };
  let readiness: ReadinessView = { ready: true };
  const stator: ObservedStator = {
    health: () => health,
    status$,
    readiness: () => readiness,
    metricsRegistry: registry,
  };
  return {
    stator,
    registry,
    status$,
    setHealth: (h: HealthView & Record<string, unknown>) => (health = h),
    setReadiness: (r: ReadinessView) => (readiness = r),
  };
}

describe('stator HTTP endpoints', () => {
  const fake = fakeStator();
  let server: StatorServer;

  beforeAll(async () => {
    const h = new Histogram({
      name: 'stator_db_query_duration_seconds',
      help: 'Query time.',
      labelNames: ['resource', 'operation'],
      registers: [fake.registry],
    });
    h.observe({ resource: 'database', operation: 'select' }, 0.01);
    new Counter({
      name: 'stator_cache_errors_total',
      help: 'Cache errors.',
      labelNames: ['kind'],
      registers: [fake.registry],
    }).inc({ kind: 'timeout' });
    server = await startStatorServer(fake.stator, {
      host: '127.0.0.1',
      port: 0,
      heartbeatSeconds: 0,
      showDetails: 'always',
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('/health answers 200 when up or degraded and 503 when down, with the report', async () => {
    fake.setHealth({ status: 'degraded', resources: { cache: { state: 'recovering' } } });
    let r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'degraded', resources: { cache: { state: 'recovering' } } });
    fake.setHealth({ status: 'down', resources: {} });
    r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await r.json()) as { status: string }).status).toBe('down');
    fake.setHealth({ status: 'up', resources: {} });
  });

  it('/live answers 200 whatever the resources do', async () => {
    fake.setHealth({ status: 'down' });
    const r = await fetch(`${server.url}/live`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'up' });
    fake.setHealth({ status: 'up' });
  });

  it('/ready answers 503 with the reason when not ready', async () => {
    fake.setReadiness({ ready: false, reason: 'cache is recovering: connect ECONNREFUSED 127.0.0.1:6401' });
    const r = await fetch(`${server.url}/ready`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({
      ready: false,
      reason: 'cache is recovering: connect ECONNREFUSED 127.0.0.1:6401',
    });
    fake.setReadiness({ ready: true });
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });

  it('/metrics serves the registry in the Prometheus text format that promtool accepts', async () => {
    const r = await fetch(`${server.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toContain(
      'stator_db_query_duration_seconds_bucket{le="0.01",resource="database",operation="select"} 1',
    );
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  it('/status serves the latest snapshot as JSON', async () => {
    fake.status$.next({ status: 'up', seq: 1 });
    const r = await fetch(`${server.url}/status`);
    expect(await r.json()).toEqual({ status: 'up', seq: 1 });
  });

  it('/status streams snapshots as server-sent events, current first, in order', async () => {
    const sse = await readSse(`${server.url}/status`);
    await sse.waitFor(1);
    fake.status$.next({ status: 'degraded', seq: 2 });
    fake.status$.next({ status: 'down', seq: 3 });
    fake.status$.next({ status: 'up', seq: 4 });
    await sse.waitFor(4);
    expect(sse.events.map((e) => (e as { seq: number }).seq)).toEqual([1, 2, 3, 4]);
    sse.close();
  });

  it('ends open event streams when the status stream completes', async () => {
    const local = fakeStator();
    const s = await startStatorServer(local.stator, { port: 0, heartbeatSeconds: 0, showDetails: 'always' });
    const sse = await readSse(`${s.url}/status`);
    await sse.waitFor(1);
    local.status$.complete();
    await sse.ended;
    await s.close();
    expect(sse.events).toHaveLength(1);
  });

  it('refuses event streams over maxStreams with 503 and takes new ones once one closed', async () => {
    const local = fakeStator();
    const s = await startStatorServer(local.stator, { port: 0, heartbeatSeconds: 0, maxStreams: 2 });
    const first = await readSse(`${s.url}/status`);
    const second = await readSse(`${s.url}/status`);
    await Promise.all([first.waitFor(1), second.waitFor(1)]);
    const third = await fetch(`${s.url}/status`, { headers: { accept: 'text/event-stream' } });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('5');
    first.close();
    for (;;) {
      const again = await fetch(`${s.url}/status`, { headers: { accept: 'text/event-stream' } });
      if (again.status === 200) {
        await again.body?.cancel();
        break;
      }
      await new Promise((done) => setTimeout(done, 20));
    }
    second.close();
    await s.close();
  });

  it('answers HEAD without a body, 405 to other methods and 404 to unknown paths', async () => {
    const head = await fetch(`${server.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${server.url}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { endpoints: string[] }).endpoints).toContain('/metrics');
  });

  it("mounts under /_stator by default in an embedder's server and passes every other path on, /_statorx and /health included", async () => {
    const endpoints = createStatorHandler(fake.stator);
    const app = createServer((req, res) =>
      endpoints(req, res, () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('app');
      }),
    );
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/_stator/ready`)).status).toBe(200);
      expect(await (await fetch(`${base}/_stator/health`)).json()).toEqual({ status: 'up' });
      for (const path of ['/health', '/status', '/_statorx/health', '/', '/ready'])
        expect(await (await fetch(`${base}${path}`)).text()).toBe('app');
    } finally {
      endpoints.close();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
});
