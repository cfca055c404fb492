import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { timedHealthCheck } from '../../../src/status/slow-check.js';
import { testContext } from './helpers/test-context.js';

describe('timedHealthCheck', () => {
  it('logs a check slower than monitoring.slow_check as slow, and passes its result through', async () => {
    const { ctx, lines } = testContext({ monitoring: { slow_check: 0 } });
    const result = await timedHealthCheck(ctx, 'cache', async () => {
      await wait(5);
      return { status: 'up' as const };
    });
    expect(result).toEqual({ status: 'up' });
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', resource: 'cache', slowCheck: true })]);
    expect(String(lines[0]?.message)).toMatch(/^resource cache: slow health check \(\d+ ms, limit 0 ms\)$/);
  });

  it('says nothing about a check within the limit, and logs a slow failing check before rethrowing', async () => {
    const fast = testContext({ monitoring: { slow_check: 3600 } });
    await timedHealthCheck(fast.ctx, 'cache', () => Promise.resolve('ok'));
    expect(fast.lines).toEqual([]);
    const slow = testContext({ monitoring: { slow_check: 0 } });
    await expect(
      timedHealthCheck(slow.ctx, 'database', async () => {
        await wait(5);
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(slow.lines).toHaveLength(1);
  });
});
