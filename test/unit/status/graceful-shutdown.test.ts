import { describe, expect, it } from 'vitest';
import { gracefulShutdown, type Drainable } from '../../../src/status/shutdown/graceful-shutdown.js';
import { testContext } from './helpers/test-context.js';

function target(drainMs: number | 'never') {
  const { ctx, clock, lines } = testContext();
  const steps: string[] = [];
  let inFlight = 2;
  const database: Drainable = {
    name: 'database',
    refuseNew: (reason) => steps.push(`refuse: ${reason}`),
    drain: (signal) =>
      new Promise<void>((resolve) => {
        steps.push('drain');
        if (drainMs !== 'never') {
          ctx.clock.setTimeout(() => {
            inFlight = 0;
            steps.push('drained');
            resolve();
          }, drainMs);
        }
        signal.addEventListener('abort', () => resolve());
      }),
  };
  const t = {
    beginShutdown: () => steps.push(`readiness fails at ${clock.now()}`),
    drainables: () => [{ name: 'cache' }, database],
    stop: () => {
      steps.push(`stop at ${clock.now()} with ${inFlight} in flight`);
      return Promise.resolve({ clean: true });
    },
  };
  return { ctx, clock, lines, steps, t };
}

describe('gracefulShutdown', () => {
  it('fails readiness first, waits the drain delay, refuses new work, drains, then stops', async () => {
    const s = target(3000);
    const done = gracefulShutdown(s.t, {
      clock: s.clock,
      logger: s.ctx.logger,
      drainDelayMs: 5000,
      drainTimeoutMs: 30_000,
    });
    await s.clock.advance(4999);
    expect(s.steps).toEqual(['readiness fails at 1000000']);
    await s.clock.advance(1);
    await s.clock.advance(3000);
    const report = await done;
    expect(s.steps).toEqual([
      'readiness fails at 1000000',
      'refuse: the service is shutting down',
      'drain',
      'drained',
      'stop at 1008000 with 0 in flight',
    ]);
    expect(report).toEqual({ drained: true, undrained: [], stop: { clean: true } });
  });

  it('stops anyway after the drain timeout and says what did not drain', async () => {
    const s = target('never');
    const done = gracefulShutdown(s.t, {
      clock: s.clock,
      logger: s.ctx.logger,
      drainDelayMs: 0,
      drainTimeoutMs: 10_000,
    });
    await s.clock.advance(10_000);
    const report = await done;
    expect(report.drained).toBe(false);
    expect(report.undrained).toEqual(['database']);
    expect(s.steps.at(-1)).toBe('stop at 1010000 with 2 in flight');
    expect(s.lines.some((l) => l.level === 'warn' && String(l.message).includes('database still running'))).toBe(true);
  });
});
