import { describe, expect, it } from 'vitest';
import { readinessOf, type ReadinessInput } from '../../../src/status/readiness.js';

type R = ReadinessInput['resources'][string];
const res = (state: string, extra: Partial<R> = {}): R => ({ state, optional: false, dependsOn: [], ...extra });

describe('readinessOf', () => {
  it('is ready when running with every required resource serving (degraded serves)', () => {
    expect(
      readinessOf({ supervisor: 'running', resources: { cache: res('ready'), database: res('degraded') } }),
    ).toEqual({ ready: true });
  });

  it('names the required resource that is down, what it does and its last error, root causes first', () => {
    const r = readinessOf({
      supervisor: 'running',
      resources: {
        database: res('idle', { dependsOn: ['cache', 'filesystem'] }),
        cache: res('recovering', {
          lastError: { message: 'connect ECONNREFUSED 127.0.0.1:6401', code: 'ECONNREFUSED' },
        }),
        filesystem: res('ready'),
      },
    });
    expect(r.ready).toBe(false);
    expect(r.reason).toBe(
      'cache is recovering: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:6401; database waits for cache',
    );
    expect(r.blockers).toEqual([
      { resource: 'cache', state: 'recovering', detail: 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:6401' },
      { resource: 'database', state: 'idle', waitingFor: ['cache'] },
    ]);
  });

  it('never blocks on an optional resource', () => {
    expect(
      readinessOf({
        supervisor: 'running',
        resources: { cache: res('failed', { optional: true }), database: res('ready', { dependsOn: ['cache'] }) },
      }).ready,
    ).toBe(true);
  });

  it('is not ready while starting, saying what it waits for', () => {
    const r = readinessOf({
      supervisor: 'starting',
      resources: { cache: res('initializing'), database: res('idle', { dependsOn: ['cache'] }) },
    });
    expect(r).toMatchObject({ ready: false, reason: 'starting: cache is initializing; database waits for cache' });
  });

  it('is not ready before start, while stopping, when failed, and first of all when shutting down', () => {
    expect(readinessOf({ supervisor: 'idle', resources: {} }).reason).toBe('Stator has not been started');
    expect(readinessOf({ supervisor: 'stopping', resources: {} }).reason).toBe('Stator is stopping');
    expect(
      readinessOf({
        supervisor: 'failed',
        failure: { reason: 'restart_intensity', resources: ['cache'] },
        resources: { cache: res('failed') },
      }).reason,
    ).toBe('failed: cache restarted too often; cache is failed');
    expect(readinessOf({ supervisor: 'running', resources: { cache: res('ready') } }, true)).toMatchObject({
      ready: false,
      reason: 'shutting down: draining in-flight work',
    });
  });
});
