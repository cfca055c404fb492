import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';

describe('error_handling configuration', () => {
  it('keeps the seed keys and defaults', () => {
    const { error_handling: e } = configSchema.parse({});
    expect(e.retry).toMatchObject({ max_attempts: 3, delay: 1, backoff: 'exponential' });
    expect(e.circuit_breaker).toMatchObject({ threshold: 0.5, window: 60, reset_timeout: 300 });
    expect(e.fallback).toMatchObject({ enabled: true, strategies: ['cache', 'local', 'default'] });
    expect(e.rate_limit).toEqual({});
    expect(e.redis).toBeUndefined();
  });

  it('accepts the added keys', () => {
    const { error_handling: e } = configSchema.parse({
      error_handling: {
        retry: { jitter: 'decorrelated', max_delay: 10, max_total: 30, attempt_timeout: 2 },
        circuit_breaker: {
          minimum_calls: 5,
          buckets: 20,
          half_open_calls: 3,
          reset_backoff: 2,
          max_reset_timeout: 600,
          slow_call_threshold: 1.5,
          slow_call_ratio: 0.8,
          probe: false,
          trial_timeout: 10,
          shared: false,
        },
        rate_limit: {
          database: {
            max_concurrent: 4,
            min_time: 0.01,
            reservoir: 100,
            reservoir_refresh_interval: 60,
            reservoir_refresh_amount: 100,
          },
        },
        redis: { host: 'redis.internal', port: 6380, key_prefix: 'svc:' },
      },
    });
    expect(e.circuit_breaker.half_open_calls).toBe(3);
    expect(e.rate_limit.database).toMatchObject({ max_concurrent: 4, shared: true });
    expect(e.redis).toMatchObject({ host: 'redis.internal', port: 6380, db: 0, key_prefix: 'svc:' });
  });

  it('rejects bad values with their path', () => {
    const result = configSchema.safeParse({
      error_handling: {
        retry: { backoff: 'fibonacci', max_attempts: 0 },
        circuit_breaker: { threshold: 1.5, reset_backoff: 0.5, surprise: 1 },
        rate_limit: { database: { max_concurrent: 0 } },
      },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'error_handling.retry.backoff',
        'error_handling.retry.max_attempts',
        'error_handling.circuit_breaker.threshold',
        'error_handling.circuit_breaker.reset_backoff',
        'error_handling.circuit_breaker',
        'error_handling.rate_limit.database.max_concurrent',
      ]),
    );
  });
});
