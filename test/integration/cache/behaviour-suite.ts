import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CacheLayer } from '../../../src/cache/index.js';
import { isCacheInvalidationUnsupportedError } from '../../../src/errors/cache-invalidation-unsupported-error.js';
import { isCacheKeyInvalidError } from '../../../src/errors/cache-key-invalid-error.js';
import { isCacheValueNotSerializableError } from '../../../src/errors/cache-value-not-serializable-error.js';
import { isCacheValueTooLargeError } from '../../../src/errors/cache-value-too-large-error.js';
import type { CacheConfigInput, TestContext } from '../../unit/cache/test-context.js';

/** A started cache layer and a way to let time pass for it. */
export interface CacheHarness {
  readonly layer: CacheLayer;
  readonly ctx: TestContext;
  /** Lets `ms` pass for the cache: the TestClock for memory, real time for servers. */
  advance(ms: number): Promise<void>;
}

/** One driver the shared suite runs against. */
export interface BehaviourTarget {
  /** The driver's name, as the layer reports it. */
  readonly name: string;
  /** What names this run in the suite's title, when the driver name alone does not (`redis over TLS`). */
  readonly label?: string;
  /** Memcached cannot enumerate keys: prefix invalidation is refused. */
  readonly canInvalidatePrefix: boolean;
  /** Memcached bumps tag versions and cannot say how many entries that hid. */
  readonly countsTagRemovals: boolean;
  /** Server addresses whose connection machines should be up (none for memory). */
  readonly nodes: readonly string[];
  /** Creates and starts a layer with this `cache` section merged over the target's own. */
  create(cache?: CacheConfigInput): Promise<CacheHarness>;
}

const SIGNAL = new AbortController().signal;

/**
 * The one behavioural suite of the cache API, run against every driver: same calls, same
 * answers. Each driver's test file calls it with its own target (real servers for redis and
 * memcached, with a key prefix of its own).
 */
export function describeCacheBehaviour(target: BehaviourTarget): void {
  describe(`cache behaviour: ${target.label ?? target.name}`, () => {
    let h: CacheHarness;
    const open: CacheHarness[] = [];
    const make = async (cache?: CacheConfigInput): Promise<CacheHarness> => {
      const harness = await target.create(cache);
      open.push(harness);
      return harness;
    };

    beforeEach(async () => {
      h = await make();
    });

    afterEach(async () => {
      for (const harness of open.splice(0)) {
        await harness.layer.stop(SIGNAL);
      }
    });

    describe('values round-trip faithfully', () => {
      const cases: Array<[string, unknown]> = [
        ['a string', 'héllo wörld ✓ 🚀'],
        ['an empty string', ''],
        ['a number', 42.5],
        ['zero', 0],
        ['false', false],
        ['null', null],
        ['an array', [1, 'two', { three: 3 }, null]],
        ['a nested object', { a: { b: { c: [1, 2, 3] } }, s: 'x' }],
        ['a Date', new Date('2024-02-29T12:34:56.789Z')],
        ['a Buffer', Buffer.from([0, 1, 2, 250, 255])],
        ['a BigInt', 12345678901234567890n],
        [
          'a Map',
          new Map<string, unknown>([
            ['a', 1],
            ['b', new Date(0)],
          ]),
        ],
        ['a Set', new Set([1, 2, 3])],
        [
          'an object with Dates and Buffers inside',
          { at: new Date(1_700_000_000_000), bytes: Buffer.from('hi'), list: [new Date(0)] },
        ],
        ['an object that uses the serializer marker as a key', { $stator: 'Date', v: 'not a date' }],
      ];
      for (const [what, value] of cases) {
        it(`${what}`, async () => {
          await h.layer.api.set(`rt:${what}`, value);
          expect(await h.layer.api.get(`rt:${what}`)).toEqual(value);
        });
      }

      it('a returned object is a copy: changing it does not change the cache', async () => {
        await h.layer.api.set('copy', { n: 1 });
        const first = await h.layer.api.get<{ n: number }>('copy');
        first!.n = 2;
        expect(await h.layer.api.get('copy')).toEqual({ n: 1 });
      });

      it('undefined, functions and circular values are refused with CACHE_VALUE_NOT_SERIALIZABLE', async () => {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        for (const bad of [undefined, () => 1, circular]) {
          const error = await h.layer.api.set('bad', bad).catch((e: unknown) => e);
          expect(isCacheValueNotSerializableError(error)).toBe(true);
        }
        expect(await h.layer.api.has('bad')).toBe(false);
      });

      it('empty keys and tags are refused with CACHE_KEY_INVALID', async () => {
        expect(isCacheKeyInvalidError(await h.layer.api.get('').catch((e: unknown) => e))).toBe(true);
        expect(isCacheKeyInvalidError(await h.layer.api.set('k', 1, { tags: [''] }).catch((e: unknown) => e))).toBe(
          true,
        );
        expect(isCacheKeyInvalidError(await h.layer.api.getOrSet('', () => 1).catch((e: unknown) => e))).toBe(true);
      });
    });

    describe('get, set, has, delete', () => {
      it('a missing key is a miss', async () => {
        expect(await h.layer.api.get('nothing-here')).toBeUndefined();
        expect(await h.layer.api.has('nothing-here')).toBe(false);
      });

      it('set then get, has; set again overwrites', async () => {
        await h.layer.api.set('k', 'one');
        expect(await h.layer.api.has('k')).toBe(true);
        await h.layer.api.set('k', 'two');
        expect(await h.layer.api.get('k')).toBe('two');
      });

      it('delete says whether the key was there', async () => {
        await h.layer.api.set('gone', 1);
        expect(await h.layer.api.delete('gone')).toBe(true);
        expect(await h.layer.api.get('gone')).toBeUndefined();
        expect(await h.layer.api.delete('gone')).toBe(false);
      });

      it('keys are namespaced by key_prefix: another prefix does not see them', async () => {
        await h.layer.api.set('shared-name', 'mine');
        const other = await make({ key_prefix: `${h.ctx.config.cache.key_prefix}other:` });
        expect(await other.layer.api.get('shared-name')).toBeUndefined();
      });

      it('getMany returns values in order with undefined for misses; setMany stores each', async () => {
        await h.layer.api.setMany<unknown>([
          { key: 'm1', value: 1 },
          { key: 'm2', value: { two: new Date(2) } },
          { key: 'm3', value: 'three', ttl: 60 },
        ]);
        expect(await h.layer.api.getMany(['m1', 'missing', 'm2', 'm3'])).toEqual([
          1,
          undefined,
          { two: new Date(2) },
          'three',
        ]);
        expect(await h.layer.api.getMany([])).toEqual([]);
      });

      it('a value over max_value_bytes is refused with CACHE_VALUE_TOO_LARGE before anything is sent', async () => {
        const small = await make({ max_value_bytes: 1000 });
        const error = await small.layer.api.set('big', 'x'.repeat(2000)).catch((e: unknown) => e);
        expect(isCacheValueTooLargeError(error)).toBe(true);
        expect(await small.layer.api.has('big')).toBe(false);
        const many = await small.layer.api
          .setMany<unknown>([
            { key: 'ok', value: 1 },
            { key: 'big2', value: 'y'.repeat(5000) },
          ])
          .catch((e: unknown) => e);
        expect(isCacheValueTooLargeError(many)).toBe(true);
        expect(await small.layer.api.has('ok')).toBe(false);
      });
    });

    describe('time to live', () => {
      it('an entry expires after its ttl; one without ttl stays', async () => {
        await h.layer.api.set('short', 'soon gone', { ttl: 1 });
        await h.layer.api.set('forever', 'stays');
        expect(await h.layer.api.get('short')).toBe('soon gone');
        await h.advance(2_100);
        expect(await h.layer.api.get('short')).toBeUndefined();
        expect(await h.layer.api.has('short')).toBe(false);
        expect(await h.layer.api.get('forever')).toBe('stays');
      });

      it('default_ttl applies when set has no ttl', async () => {
        const withDefault = await make({ default_ttl: 1 });
        await withDefault.layer.api.set('d', 1);
        expect(await withDefault.layer.api.get('d')).toBe(1);
        await withDefault.advance(2_100);
        expect(await withDefault.layer.api.get('d')).toBeUndefined();
      });
    });

    describe('tags', () => {
      it('invalidating a tag removes every entry with it and only those', async () => {
        await h.layer.api.set('t:a', 'a', { tags: ['red'] });
        await h.layer.api.set('t:b', 'b', { tags: ['red', 'blue'] });
        await h.layer.api.set('t:c', 'c', { tags: ['blue'] });
        await h.layer.api.set('t:d', 'd');
        const result = await h.layer.api.invalidate({ tags: ['red'] });
        if (target.countsTagRemovals) expect(result.removed).toBe(2);
        else expect(result.removed).toBeUndefined();
        expect(await h.layer.api.getMany(['t:a', 't:b', 't:c', 't:d'])).toEqual([undefined, undefined, 'c', 'd']);
        await h.layer.api.invalidate({ tags: ['blue'] });
        expect(await h.layer.api.get('t:c')).toBeUndefined();
        expect(await h.layer.api.get('t:d')).toBe('d');
      });

      it('an entry set again after its tag was invalidated is readable', async () => {
        await h.layer.api.set('t:again', 1, { tags: ['green'] });
        await h.layer.api.invalidate({ tags: ['green'] });
        await h.layer.api.set('t:again', 2, { tags: ['green'] });
        expect(await h.layer.api.get('t:again')).toBe(2);
      });

      it('setMany and getOrSet tag their entries too', async () => {
        await h.layer.api.setMany<unknown>(
          [
            { key: 't:m1', value: 1 },
            { key: 't:m2', value: 2, tags: ['own'] },
          ],
          { tags: ['batch'] },
        );
        await h.layer.api.getOrSet('t:loaded', () => 'loaded', { tags: ['batch'] });
        await h.layer.api.invalidate({ tags: ['batch'] });
        expect(await h.layer.api.getMany(['t:m1', 't:m2', 't:loaded'])).toEqual([undefined, 2, undefined]);
      });
    });

    describe('invalidation', () => {
      it('by keys, counting what was there, published on events$', async () => {
        await h.layer.api.set('i:1', 1);
        await h.layer.api.set('i:2', 2);
        const result = await h.layer.api.invalidate({ keys: ['i:1', 'i:2', 'i:absent'] });
        expect(result.removed).toBe(2);
        expect(await h.layer.api.getMany(['i:1', 'i:2'])).toEqual([undefined, undefined]);
        const event = h.ctx.published.find((e) => e.source === 'cache' && e.type === 'cache.invalidated');
        expect(event?.data).toMatchObject({ driver: target.name, keys: ['i:1', 'i:2', 'i:absent'], removed: 2 });
      });

      it('by tag is published on events$ with the tags', async () => {
        await h.layer.api.set('i:t', 1, { tags: ['ev'] });
        await h.layer.api.invalidate({ tags: ['ev'] });
        const event = h.ctx.published.find((e) => e.type === 'cache.invalidated' && Array.isArray(e.data?.tags));
        expect(event?.data).toMatchObject({ tags: ['ev'] });
      });

      it('by prefix where the driver can enumerate keys, refused clearly where it cannot', async () => {
        await h.layer.api.set('p:1', 1);
        await h.layer.api.set('p:2', 2);
        await h.layer.api.set('q:1', 3);
        if (target.canInvalidatePrefix) {
          const result = await h.layer.api.invalidate({ prefix: 'p:' });
          expect(result.removed).toBe(2);
          expect(await h.layer.api.getMany(['p:1', 'p:2', 'q:1'])).toEqual([undefined, undefined, 3]);
          expect(h.ctx.published.some((e) => e.type === 'cache.invalidated' && e.data?.prefix === 'p:')).toBe(true);
        } else {
          const error = await h.layer.api.invalidate({ prefix: 'p:' }).catch((e: unknown) => e);
          expect(isCacheInvalidationUnsupportedError(error)).toBe(true);
          expect(await h.layer.api.get('p:1')).toBe(1);
        }
      });

      it('an invalidation naming nothing is refused', async () => {
        expect(isCacheKeyInvalidError(await h.layer.api.invalidate({}).catch((e: unknown) => e))).toBe(true);
      });
    });

    describe('getOrSet', () => {
      it('loads on a miss, stores, and serves the stored value next time', async () => {
        const loader = vi.fn(async () => ({ id: 7, at: new Date(7) }));
        expect(await h.layer.api.getOrSet('g:1', loader, { ttl: 60 })).toEqual({ id: 7, at: new Date(7) });
        expect(await h.layer.api.getOrSet('g:1', loader, { ttl: 60 })).toEqual({ id: 7, at: new Date(7) });
        expect(loader).toHaveBeenCalledTimes(1);
        expect(await h.layer.api.get('g:1')).toEqual({ id: 7, at: new Date(7) });
      });

      it('single-flight: 100 concurrent misses on one key make one loader call', async () => {
        let release!: (v: string) => void;
        const gate = new Promise<string>((resolve) => (release = resolve));
        const loader = vi.fn(() => gate);
        const calls = Array.from({ length: 100 }, () => h.layer.api.getOrSet('g:flight', loader, { ttl: 60 }));
        release('loaded once');
        const values = await Promise.all(calls);
        expect(loader).toHaveBeenCalledTimes(1);
        expect(new Set(values)).toEqual(new Set(['loaded once']));
      });

      it('a loader error reaches every waiting caller and is not cached', async () => {
        let fail = true;
        const loader = vi.fn(async () => {
          if (fail) throw new Error('database said no');
          return 'recovered';
        });
        const results = await Promise.allSettled([
          h.layer.api.getOrSet('g:err', loader),
          h.layer.api.getOrSet('g:err', loader),
        ]);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
        expect(loader).toHaveBeenCalledTimes(1);
        fail = false;
        expect(await h.layer.api.getOrSet('g:err', loader)).toBe('recovered');
      });

      it('stale-while-revalidate: serves the stale value and refreshes it once in the background', async () => {
        let version = 1;
        let release!: () => void;
        let gate: Promise<void> = Promise.resolve();
        const loader = vi.fn(async () => {
          await gate;
          return `v${version}`;
        });
        const options = { ttl: 1, staleWhileRevalidate: 60 };
        expect(await h.layer.api.getOrSet('g:swr', loader, options)).toBe('v1');
        await h.advance(1_500);
        version = 2;
        gate = new Promise<void>((resolve) => (release = resolve));
        // Stale now: served at once, while one refresh runs (held at the gate).
        const served = await Promise.all(
          Array.from({ length: 10 }, () => h.layer.api.getOrSet('g:swr', loader, options)),
        );
        expect(served).toEqual(Array.from({ length: 10 }, () => 'v1'));
        expect(await h.layer.api.getOrSet('g:swr', loader, options)).toBe('v1');
        expect(loader).toHaveBeenCalledTimes(2);
        release();
        await vi.waitFor(async () => expect(await h.layer.api.get('g:swr')).toBe('v2'), {
          timeout: 10_000,
          interval: 20,
        });
        expect(await h.layer.api.getOrSet('g:swr', loader, options)).toBe('v2');
        expect(loader).toHaveBeenCalledTimes(2);
      });

      it('a stale entry is not returned by get (only getOrSet serves stale while refreshing)', async () => {
        await h.layer.api.getOrSet('g:stale-get', () => 'old', { ttl: 1, staleWhileRevalidate: 60 });
        await h.advance(1_500);
        expect(await h.layer.api.get('g:stale-get')).toBeUndefined();
        expect(await h.layer.api.has('g:stale-get')).toBe(false);
      });

      it('negative caching: an absent value is remembered for negativeTtl, then looked up again', async () => {
        const loader = vi.fn(async (): Promise<string | undefined> => undefined);
        expect(await h.layer.api.getOrSet('g:none', loader, { ttl: 60, negativeTtl: 1 })).toBeUndefined();
        expect(await h.layer.api.getOrSet('g:none', loader, { ttl: 60, negativeTtl: 1 })).toBeUndefined();
        expect(loader).toHaveBeenCalledTimes(1);
        expect(await h.layer.api.get('g:none')).toBeUndefined();
        expect(await h.layer.api.has('g:none')).toBe(false);
        await h.advance(2_100);
        await h.layer.api.getOrSet('g:none', loader, { ttl: 60, negativeTtl: 1 });
        expect(loader).toHaveBeenCalledTimes(2);
      });

      it('without negative caching an absent value is looked up every time', async () => {
        const loader = vi.fn(async (): Promise<string | undefined> => undefined);
        await h.layer.api.getOrSet('g:none2', loader);
        await h.layer.api.getOrSet('g:none2', loader);
        expect(loader).toHaveBeenCalledTimes(2);
      });

      it('a load that races an invalidation does not write its (older) value back', async () => {
        let release!: (v: string) => void;
        const pending = h.layer.api.getOrSet('g:race', () => new Promise<string>((resolve) => (release = resolve)));
        await vi.waitFor(() => expect(release).toBeTypeOf('function'));
        await h.layer.api.invalidate({ keys: ['g:race'] });
        release('old');
        expect(await pending).toBe('old');
        expect(await h.layer.api.get('g:race')).toBeUndefined();
      });
    });

    describe('observability', () => {
      it('counts hits and misses and times operations on the metrics registry', async () => {
        await h.layer.api.set('obs', 1);
        await h.layer.api.get('obs');
        await h.layer.api.get('obs-missing');
        const text = await h.ctx.metrics.metrics();
        expect(text).toMatch(new RegExp(`stator_cache_hits_total\\{driver="${target.name}"\\} 1`));
        expect(text).toMatch(new RegExp(`stator_cache_misses_total\\{driver="${target.name}"\\} 1`));
        expect(text).toMatch(new RegExp(`stator_cache_hit_ratio\\{driver="${target.name}"\\} 0.5`));
        expect(text).toMatch(
          new RegExp(`stator_cache_operation_duration_seconds_count\\{driver="${target.name}",operation="get"\\} 2`),
        );
        expect(text).toMatch(/stator_cache_operation_duration_seconds_bucket\{.*operation="set",le="\+Inf"\} 1/);
      });

      it('details() names the driver and the key prefix', async () => {
        expect(h.layer.details?.()).toMatchObject({ driver: target.name, keyPrefix: h.ctx.config.cache.key_prefix });
      });

      it('each server connection is a connection machine, up, on events$ and in details()', async () => {
        const nodes = (h.layer.details?.().nodes ?? {}) as Record<string, { state: string }>;
        for (const address of target.nodes) {
          expect(nodes[address]?.state).toBe('idle');
          expect(
            h.ctx.published.some(
              (e) => e.source === `cache/${address}` && e.type === 'DRIVER.READY' && e.state === 'idle',
            ),
          ).toBe(true);
        }
        if (target.nodes.length === 0) expect(h.layer.health$).toBeUndefined();
      });

      it('check() answers up while the server answers', async () => {
        expect(await h.layer.check(SIGNAL)).toEqual({ status: 'up' });
      });
    });
  });
}
