import { describe, expect, it } from 'vitest';
import { createResilience, type FallbackStore } from '../../../src/resilience/index.js';
import { resilienceContext, transientError, type ErrorHandlingInput } from './support/context.js';

/** A fallback store in a Map, as the cache layer would provide one. */
class MapStore implements FallbackStore {
  public readonly data = new Map<string, unknown>();
  public failing = false;
  public async get(key: string): Promise<{ value: unknown } | undefined> {
    if (this.failing) throw new Error('cache down');
    return this.data.has(key) ? { value: this.data.get(key) } : undefined;
  }
  public async set(key: string, value: unknown): Promise<void> {
    if (this.failing) throw new Error('cache down');
    this.data.set(key, value);
  }
}

function setup(fallback: ErrorHandlingInput['fallback'] = {}, store: MapStore | null = new MapStore()) {
  const ctx = resilienceContext({ retry: { max_attempts: 1 }, circuit_breaker: { minimum_calls: 3 }, fallback });
  const resilience = createResilience(ctx);
  resilience.setFallbackStore(store ?? undefined);
  const pipeline = resilience.pipeline('database');
  const failing = async (): Promise<string> => {
    throw transientError();
  };
  return { ctx, resilience, pipeline, store, failing };
}

describe('fallback chain', () => {
  it('a successful read is fresh, from the primary', async () => {
    const s = setup();
    expect(await s.pipeline.read('user', 'u1', async () => 'alice')).toEqual({
      value: 'alice',
      source: 'primary',
      stale: false,
    });
  });

  it('a failed read is answered by the cache strategy first, stale, with the error', async () => {
    const s = setup();
    await s.pipeline.read('user', 'u1', async () => 'alice');
    const served = await s.pipeline.read('user', 'u1', s.failing);
    expect(served).toMatchObject({ value: 'alice', source: 'cache', stale: true, error: { code: 'ECONNRESET' } });
    expect(s.store!.data.get('fallback:database:u1')).toBe('alice');
  });

  it('without a store (or with it failing) the local copy answers', async () => {
    for (const store of [null, Object.assign(new MapStore(), { failing: true })]) {
      const s = setup({}, store);
      await s.pipeline.read('user', 'u1', async () => 'alice');
      expect(await s.pipeline.read('user', 'u1', s.failing)).toMatchObject({
        value: 'alice',
        source: 'local',
        stale: true,
      });
    }
  });

  it('the default answers when nothing was remembered; a remembered undefined is a value', async () => {
    const s = setup();
    expect(await s.pipeline.read('user', 'u2', s.failing, { default: { value: 'nobody' } })).toMatchObject({
      value: 'nobody',
      source: 'default',
    });
    await s.pipeline.read('user', 'u3', async () => undefined);
    expect(await s.pipeline.read('user', 'u3', s.failing, { default: { value: 'x' } })).toMatchObject({
      value: undefined,
      source: 'cache',
    });
  });

  it('strategies run in the configured order', async () => {
    const s = setup({ strategies: ['default', 'local'] });
    await s.pipeline.read('user', 'u1', async () => 'alice');
    expect(await s.pipeline.read('user', 'u1', s.failing, { default: { value: 'd' } })).toMatchObject({
      value: 'd',
      source: 'default',
    });
    expect(await s.pipeline.read('user', 'u1', s.failing)).toMatchObject({ value: 'alice', source: 'local' });
  });

  it("an open breaker's refusal is answered by the fallback too", async () => {
    const s = setup();
    await s.pipeline.read('user', 'u1', async () => 'alice');
    s.pipeline.breaker.isolate();
    const served = await s.pipeline.read('user', 'u1', async () => 'never');
    expect(served).toMatchObject({ value: 'alice', source: 'cache', error: { code: 'CIRCUIT_OPEN' } });
  });

  it("when nothing answers, the primary's error is thrown", async () => {
    const s = setup();
    await expect(s.pipeline.read('user', 'u9', s.failing)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('errors that a fallback must not hide (syntax, constraint, unknown) are thrown', async () => {
    const s = setup();
    await s.pipeline.read('user', 'u1', async () => 'alice');
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601', severity: 'ERROR' });
    await expect(
      s.pipeline.read('user', 'u1', async () => {
        throw syntax;
      }),
    ).rejects.toBe(syntax);
    await expect(
      s.pipeline.read('user', 'u1', async () => {
        throw new TypeError('bug');
      }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('fallback.enabled: false never falls back', async () => {
    const s = setup({ enabled: false });
    await s.pipeline.read('user', 'u1', async () => 'alice');
    await expect(s.pipeline.read('user', 'u1', s.failing, { default: { value: 'd' } })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });

  it('writes (run) never fall back: they fail with the error', async () => {
    const s = setup();
    await s.pipeline.read('user', 'u1', async () => 'alice');
    await expect(s.pipeline.run('user.update', s.failing, { retry: false })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });

  it('each fallback served (or missed) is an event', async () => {
    const s = setup();
    await s.pipeline.read('user', 'u1', async () => 'alice');
    await s.pipeline.read('user', 'u1', s.failing);
    await s.pipeline.read('user', 'u2', s.failing).catch(() => undefined);
    const signals = s.ctx.published.filter((e) => e.type.startsWith('fallback.'));
    expect(signals.map((e) => [e.type, e.data])).toEqual([
      ['fallback.served', { operation: 'user', key: 'u1', source: 'cache', kind: 'connection-lost' }],
      ['fallback.missed', { operation: 'user', key: 'u2', kind: 'connection-lost' }],
    ]);
  });

  it('the cache resource does not fall back to the cache itself', async () => {
    const ctx = resilienceContext({ retry: { max_attempts: 1 } });
    const resilience = createResilience(ctx);
    const store = new MapStore();
    resilience.setFallbackStore(store);
    const cache = resilience.pipeline('cache');
    await cache.read('get', 'k', async () => 'v');
    expect(store.data.size).toBe(0);
    expect(
      await cache.read('get', 'k', async () => {
        throw transientError();
      }),
    ).toMatchObject({ source: 'local' });
  });

  it('local copies are bounded by local_max_items (least recently used go first)', async () => {
    const s = setup({ strategies: ['local'], local_max_items: 2 });
    for (const k of ['a', 'b', 'c']) await s.pipeline.read('r', k, async () => k);
    await expect(s.pipeline.read('r', 'a', s.failing)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await s.pipeline.read('r', 'c', s.failing)).toMatchObject({ value: 'c', source: 'local' });
  });

  it('remember replaces a local copy (a write that succeeded); forget drops one key or every key a test names', async () => {
    const s = setup({ strategies: ['local'] });
    for (const k of ['user:1', 'user:2', 'order:1', 'order:2']) await s.pipeline.read('r', k, async () => `${k} v1`);
    s.pipeline.remember('user:1', 'user:1 v2');
    expect(await s.pipeline.read('r', 'user:1', s.failing)).toMatchObject({ value: 'user:1 v2', source: 'local' });
    s.pipeline.forget('user:2');
    await expect(s.pipeline.read('r', 'user:2', s.failing)).rejects.toMatchObject({ code: 'ECONNRESET' });
    s.pipeline.forget((key) => key.startsWith('order:'));
    await expect(s.pipeline.read('r', 'order:1', s.failing)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(s.pipeline.read('r', 'order:2', s.failing)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await s.pipeline.read('r', 'user:1', s.failing)).toMatchObject({ value: 'user:1 v2', source: 'local' });
  });
});
