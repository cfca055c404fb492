import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCacheUnavailableError } from '../../../src/errors/cache-unavailable-error.js';
import {
  cacheTestContext,
  startResilientLayer,
  uniquePrefix,
  type ResilientLayer,
} from '../../unit/cache/test-context.js';
import { startMemcached, startRedis, type TestServer } from './test-servers.js';

/**
 * When the cache is down, reads are answered from the in-process copy of the last good value.
 * That copy must be the value the service last wrote, and never one it deleted or invalidated:
 * each server here is the test's own (cache's reserved ports), killed after the writes.
 */
describe.each([
  { driver: 'redis' as const, port: 6394, start: startRedis, prefixes: true },
  { driver: 'memcached' as const, port: 11303, start: startMemcached, prefixes: false },
])(
  '$driver down: the fallback copies follow what the service wrote, deleted and invalidated',
  ({ driver, port, start, prefixes }) => {
    let server: TestServer;
    let started: ResilientLayer;

    beforeAll(async () => {
      server = await start(port);
      const ctx = cacheTestContext(
        {
          driver,
          host: '127.0.0.1',
          port,
          key_prefix: uniquePrefix(`copies-${driver}`),
          timeout: 0.5,
          retry_delay: 0.2,
          default_ttl: 600,
        },
        { config: { error_handling: { retry: { max_attempts: 1 }, circuit_breaker: { shared: false } } } },
      );
      started = await startResilientLayer(ctx);
    });

    afterAll(async () => {
      await started.stop();
      await server.dispose();
    });

    it('serves the last value written, nothing deleted or invalidated, and forgets a key deleted during the outage', async () => {
      const api = started.layer.api;
      // A tag invalidation drops every copy (the process cannot list a tag's keys): first.
      await api.set('tagged', 'v1', { tags: ['t'] });
      expect(await api.get('tagged')).toBe('v1');
      await api.invalidate({ tags: ['t'] });

      await api.set('replaced', 'old');
      expect(await api.get('replaced')).toBe('old');
      await api.set('replaced', 'new');
      await api.setMany([{ key: 'many', value: 'old' }]);
      expect(await api.get('many')).toBe('old');
      await api.setMany([{ key: 'many', value: 'new' }]);
      expect(await api.getOrSet('loaded', async () => 'loaded once')).toBe('loaded once');

      await api.set('deleted', 'gone');
      expect(await api.get('deleted')).toBe('gone');
      await api.delete('deleted');
      await api.set('invalidated', 'gone');
      expect(await api.get('invalidated')).toBe('gone');
      await api.invalidate({ keys: ['invalidated'] });
      if (prefixes) {
        await api.set('pre:1', 'gone');
        expect(await api.get('pre:1')).toBe('gone');
        await api.invalidate({ prefix: 'pre:' });
      }
      await api.set('kept', 'here');
      expect(await api.get('kept')).toBe('here');
      await api.set('deleted-in-outage', 'gone');
      expect(await api.get('deleted-in-outage')).toBe('gone');

      await server.kill();

      // The control: a key read before the outage is answered from its copy.
      expect(await api.get('kept')).toBe('here');
      expect(await api.get('replaced')).toBe('new');
      expect(await api.get('many')).toBe('new');
      expect(await api.get('loaded')).toBe('loaded once');
      expect(await api.get('deleted')).toBeUndefined();
      expect(await api.get('invalidated')).toBeUndefined();
      expect(await api.get('tagged')).toBeUndefined();
      if (prefixes) expect(await api.get('pre:1')).toBeUndefined();

      // A delete the server cannot be told of fails clearly, and its copy no longer answers.
      const failed = await api.delete('deleted-in-outage').catch((e: unknown) => e);
      expect(isCacheUnavailableError(failed)).toBe(true);
      expect(await api.get('deleted-in-outage')).toBeUndefined();
      expect(await api.get('kept')).toBe('here');
    });
  },
);
