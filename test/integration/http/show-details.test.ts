import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatorServer, type StatorServer } from '../../../src/http/server.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import { generateApiKey, hashApiKey } from '../../../src/security/api-key.js';
import { hashPassword } from '../../../src/security/password-hash.js';

// The endpoints' access rules (http.show_details, http.metrics_auth, breaker:write) on a real
// Stator with security, tried by an anonymous caller, a principal without the permission, a
// token and an API key with it, and forged credentials.
describe('endpoint access: show_details, metrics_auth, breaker:write', () => {
  let base: string;
  let stator: Stator;
  let server: StatorServer;
  let never: StatorServer;
  const opsKey = generateApiKey('ops');
  let viewerToken = '';
  let strangerToken = '';

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'stator-http-details-'));
    const hash = await hashPassword('pw', { N: 1024 });
    stator = createStator({
      config: {
        filesystem: { base_path: base },
        http: { enabled: false },
        security: {
          principals: {
            viewer: { password_hash: hash, roles: ['viewer'] },
            stranger: { password_hash: hash, roles: [] },
            ops: { key_hashes: [hashApiKey(opsKey)], roles: ['ops'] },
          },
          roles: {
            viewer: { permissions: ['status:read:*'] },
            ops: { permissions: ['status:read:*', 'metrics:read:*', 'breaker:write:*'] },
          },
          jwt: { secret: 'http-details-test-secret-0123456789abcdef', ttl: 60 },
        },
      },
      logger: { silent: true },
    });
    await stator.start();
    await stator.cache.get('warm-the-breaker'); // a breaker exists once its resource has used it
    server = await startStatorServer(stator, { port: 0, heartbeatSeconds: 0, metricsAuth: true, dashboard: true });
    never = await startStatorServer(stator, { port: 0, heartbeatSeconds: 0, showDetails: 'never' });
    viewerToken = (await stator.auth.authenticate({ username: 'viewer', password: 'pw' })).token;
    strangerToken = (await stator.auth.authenticate({ username: 'stranger', password: 'pw' })).token;
  });

  afterAll(async () => {
    await server?.close();
    await never?.close();
    await stator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  const get = async (s: StatorServer, path: string, authorization?: string) => {
    const r = await fetch(`${s.url}${path}`, authorization ? { headers: { authorization } } : {});
    return { status: r.status, text: await r.text() };
  };

  it('an anonymous /health, /status and /ready show the overall status only: no host, database, user or base_path', async () => {
    for (const path of ['/health', '/status', '/ready']) {
      const r = await get(server, path);
      expect([200, 503]).toContain(r.status);
      expect(r.text).not.toContain(base);
      expect(r.text).not.toMatch(/resources|sqlite|127\.0\.0\.1|filename|base_path/);
      expect(Object.keys(JSON.parse(r.text) as object)).toEqual(path === '/ready' ? ['ready'] : ['status']);
    }
  });

  it('a token or API key with status:read:* sees the details; a principal without it, a forged token or key does not', async () => {
    const viewer = JSON.parse((await get(server, '/health', `Bearer ${viewerToken}`)).text) as {
      resources: Record<string, unknown>;
    };
    expect(Object.keys(viewer.resources)).toEqual(['cache', 'filesystem', 'database']);
    const ops = JSON.parse((await get(server, '/status', `ApiKey ${opsKey}`)).text) as {
      resources: Record<string, unknown>;
    };
    expect(Object.keys(ops.resources)).toEqual(['cache', 'filesystem', 'database']);
    for (const authorization of [
      `Bearer ${strangerToken}`,
      `Bearer ${viewerToken}x`,
      `ApiKey ${opsKey}x`,
      'Bearer ',
      `Basic ${viewerToken}`,
    ]) {
      const r = await get(server, '/health', authorization);
      expect(JSON.parse(r.text)).toEqual({ status: 'up' });
    }
  });

  it('show_details: never shows no details even to a principal holding status:read:*', async () => {
    expect(JSON.parse((await get(never, '/health', `Bearer ${viewerToken}`)).text)).toEqual({ status: 'up' });
    expect(JSON.parse((await get(never, '/status', `ApiKey ${opsKey}`)).text)).toEqual({ status: 'up' });
  });

  it('/live and /ready answer every caller; /metrics with metrics_auth needs metrics:read:*', async () => {
    expect((await get(server, '/live')).status).toBe(200);
    expect((await get(server, '/ready')).status).toBe(200);
    const anonymous = await get(server, '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('process_cpu');
    const viewer = await get(server, '/metrics', `Bearer ${viewerToken}`);
    expect(viewer.status).toBe(403);
    expect(viewer.text).not.toContain('process_cpu');
    const ops = await get(server, '/metrics', `ApiKey ${opsKey}`);
    expect(ops.status).toBe(200);
    // prom-client's default process metrics are on by default
    expect(ops.text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(ops.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // without metrics_auth, /metrics is open
    expect((await get(never, '/metrics')).status).toBe(200);
  });

  it('the dashboard API refuses a stream without status:read and a breaker isolate without breaker:write, leaving the breaker closed', async () => {
    expect((await get(server, '/dashboard/api/stream')).status).toBe(401);
    expect((await get(server, '/dashboard/api/fleet', `Bearer ${strangerToken}`)).status).toBe(403);
    const anonymousState = JSON.parse((await get(server, '/dashboard/api/state')).text) as Record<string, unknown>;
    expect(anonymousState).toEqual({ details: false, status: { status: 'up' } });
    for (const authorization of [undefined, `Bearer ${viewerToken}`, `Bearer ${strangerToken}`]) {
      const r = await fetch(`${server.url}/dashboard/api/breaker/cache/isolate`, {
        method: 'POST',
        ...(authorization ? { headers: { authorization } } : {}),
      });
      expect([401, 403]).toContain(r.status);
      expect(stator.breaker('cache')?.state).toBe('closed');
    }
    const allowed = await fetch(`${server.url}/dashboard/api/breaker/cache/isolate`, {
      method: 'POST',
      headers: { authorization: `ApiKey ${opsKey}` },
    });
    expect(allowed.status).toBe(200);
    expect(stator.breaker('cache')?.state).toBe('isolated');
    const reset = await fetch(`${server.url}/dashboard/api/breaker/cache/reset`, {
      method: 'POST',
      headers: { authorization: `ApiKey ${opsKey}` },
    });
    expect(reset.status).toBe(200);
    expect(stator.breaker('cache')?.state).toBe('closed');
  });
});
