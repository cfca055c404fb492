import { describe, expect, it } from 'vitest';
import { configSchema, type StatorConfigInput } from '../../../src/config/schema.js';
import { MAX_DELAY_MS, planResources, toDelay } from '../../../src/runtime/resource-plan.js';

const plan = (input: StatorConfigInput, names: string[]) => planResources(configSchema.parse(input), names);

describe('resource plan', () => {
  it('reads each built-in resource from its own section, in milliseconds', () => {
    const [cache, filesystem, database] = plan(
      {
        cache: { retry_attempts: 5, retry_delay: 0.5, timeout: 2 },
        database: { retry_attempts: 1, retry_delay: 3, timeout: 7, optional: true },
        monitoring: { health_interval: 15 },
        supervisor: { stop_timeout: 4, resource_defaults: { retry_attempts: 2, retry_delay: 1.5, timeout: 9 } },
      },
      ['cache', 'filesystem', 'database'],
    );
    expect(cache).toEqual({
      name: 'cache',
      dependsOn: [],
      optional: false,
      retryAttempts: 5,
      retryDelay: 500,
      timeout: 2000,
      healthInterval: 15_000,
      stopTimeout: 4000,
    });
    // The filesystem section has no retry/timeout keys: resource_defaults apply.
    expect(filesystem).toMatchObject({ retryAttempts: 2, retryDelay: 1500, timeout: 9000 });
    expect(database).toMatchObject({
      dependsOn: ['cache', 'filesystem'],
      optional: true,
      retryAttempts: 1,
      retryDelay: 3000,
      timeout: 7000,
    });
  });

  it('gives the database only the default dependencies that run', () => {
    expect(plan({}, ['filesystem', 'database']).find((r) => r.name === 'database')?.dependsOn).toEqual(['filesystem']);
    expect(plan({}, ['database'])[0]?.dependsOn).toEqual([]);
  });

  it('reads custom resources from supervisor.resources, with resource_defaults for what they omit', () => {
    const [search] = plan(
      {
        supervisor: {
          resource_defaults: { retry_delay: 2 },
          resources: { search: { depends_on: [], optional: true, retry_attempts: 9 } },
        },
      },
      ['search'],
    );
    expect(search).toMatchObject({
      name: 'search',
      optional: true,
      retryAttempts: 9,
      retryDelay: 2000,
      timeout: 10_000,
    });
  });

  it('treats 0 as no limit, and keeps delays within what a timer can take', () => {
    expect(toDelay(0)).toBe(MAX_DELAY_MS);
    expect(toDelay(1e9)).toBe(MAX_DELAY_MS);
    expect(toDelay(1.25)).toBe(1250);
    const [a] = plan({ monitoring: { health_interval: 0 }, supervisor: { stop_timeout: 0 } }, ['a']);
    expect(a).toMatchObject({ healthInterval: MAX_DELAY_MS, stopTimeout: MAX_DELAY_MS });
  });

  it('rejects unknown keys and bad values under supervisor.resources', () => {
    expect(configSchema.safeParse({ supervisor: { resources: { search: { retries: 3 } } } }).success).toBe(false);
    expect(configSchema.safeParse({ supervisor: { resources: { 'bad name': {} } } }).success).toBe(false);
    expect(configSchema.safeParse({ supervisor: { strategy: 'one_for_all' } }).success).toBe(false);
  });
});
