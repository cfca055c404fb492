import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { BehaviorSubject } from 'rxjs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statorExpress } from '../../../src/http/adapters/express.js';
import { statorFastify } from '../../../src/http/adapters/fastify.js';
import type { ObservedStator } from '../../../src/http/observed-stator.js';
import { readSse } from './sse-client.js';

function observed(): ObservedStator {
  return {
    health: () =>
      ({ status: 'degraded', resources: { cache: { state: 'recovering' } } }) as ReturnType<ObservedStator['health']>,
    status$: new BehaviorSubject({ status: 'degraded', resources: { cache: { state: 'recovering' } } }),
    readiness: () => ({ ready: true }),
    metricsRegistry: new Registry(),
  };
}

/** What both frameworks must show: the app's own routes answer as the app wrote them, Stator's under /_stator. */
async function checkBoth(base: string): Promise<void> {
  expect(await (await fetch(`${base}/health`)).json()).toEqual({ app: 'own health' });
  expect(await (await fetch(`${base}/status`)).json()).toEqual({ app: 'own status' });
  const stator = await fetch(`${base}/_stator/health`);
  expect(stator.status).toBe(200);
  expect(await stator.json()).toEqual({ status: 'degraded', resources: { cache: { state: 'recovering' } } });
  expect((await fetch(`${base}/_stator/live`)).status).toBe(200);
  expect((await fetch(`${base}/_stator/ready`)).status).toBe(200);
  const metrics = await fetch(`${base}/_stator/metrics`);
  expect(await metrics.text()).toMatch(/^process_resident_memory_bytes /m);
  const page = await fetch(`${base}/_stator/dashboard/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Stator dashboard</title>');
  const sse = await readSse(`${base}/_stator/status`);
  await sse.waitFor(1);
  expect(sse.events[0]).toMatchObject({ status: 'degraded' });
  sse.close();
  // A path the app never declared stays the app's 404, not Stator's
  expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  expect(await (await fetch(`${base}/_statorx/health`)).text()).not.toContain('degraded');
}

describe('mounting the endpoints in an application', () => {
  describe('Express', () => {
    let server: Server;
    let base: string;
    const middleware = statorExpress(observed(), { showDetails: 'always', dashboard: true, heartbeatSeconds: 0 });
    beforeAll(async () => {
      const app = express();
      app.get('/health', (_req, res) => void res.json({ app: 'own health' }));
      app.use(middleware);
      app.get('/status', (_req, res) => void res.json({ app: 'own status' }));
      server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      middleware.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it("answers under /_stator next to the app's own /health and /status", async () => {
      await checkBoth(base);
    });

    it('keeps the full path when mounted on a sub-path with app.use(path, ...)', async () => {
      const app = express();
      const sub = statorExpress(observed(), { pathPrefix: '/ops/_stator', showDetails: 'always' });
      app.use('/ops', sub);
      app.get('/ops/health', (_req, res) => void res.json({ app: 'ops health' }));
      const s = await new Promise<Server>((resolve) => {
        const x = app.listen(0, '127.0.0.1', () => resolve(x));
      });
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      try {
        expect(await (await fetch(`${url}/ops/_stator/ready`)).json()).toEqual({ ready: true });
        expect(await (await fetch(`${url}/ops/health`)).json()).toEqual({ app: 'ops health' });
      } finally {
        sub.close();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    });
  });

  describe('Fastify', () => {
    const app = Fastify();
    let base: string;
    beforeAll(async () => {
      app.get('/health', async () => ({ app: 'own health' }));
      app.get('/status', async () => ({ app: 'own status' }));
      await app.register(statorFastify(observed(), { showDetails: 'always', dashboard: true, heartbeatSeconds: 0 }));
      base = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await app.close();
    });

    it("answers under /_stator next to the app's own /health and /status", async () => {
      await checkBoth(base);
    });

    it("the dashboard's breaker action goes through Stator's access rules (no credentials: 401)", async () => {
      const r = await fetch(`${base}/_stator/dashboard/api/breaker/cache/isolate`, { method: 'POST' });
      expect(r.status).toBe(401);
    });
  });
});
