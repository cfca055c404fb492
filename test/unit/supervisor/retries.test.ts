import { describe, expect, it } from 'vitest';
import { isStartupError, type StartupError } from '../../../src/errors/startup-error.js';
import { callsOf } from './fake-layer.js';
import { advanceUntil, harness, track } from './harness.js';

describe('supervisor: initialization retries', () => {
  it('retries a failing initialization retry_attempts times, retry_delay apart, then runs', async () => {
    const h = harness(['a'], { supervisor: { resources: { a: { retry_attempts: 3, retry_delay: 2 } } } }, (layers) => {
      layers.a!.startBehavior = (attempt) => (attempt < 3 ? 'reject' : 'ok');
    });
    const started = track(h.stator.start());
    await advanceUntil(h.clock, () => started.settled, 'start()');
    expect(started.error).toBeUndefined();
    expect(h.log.entries.filter((e) => e.call === 'start:a').map((e) => e.time)).toEqual([0, 2000, 4000]);
    expect(h.stator.health().resources.a).toMatchObject({ state: 'ready', attempts: 3 });
    expect(h.stator.health().resources.a?.lastError?.message).toBe('a start rejected (attempt 2)');
  });

  it('fails startup with a StartupError naming each failed resource and its cause, secrets scrubbed', async () => {
    const h = harness(
      ['a', 'b', 'c', 'd'],
      {
        database: { password: 'hunter2-very-secret' },
        supervisor: {
          resource_defaults: { retry_attempts: 2, retry_delay: 1 },
          resources: { d: { depends_on: ['a'] } },
        },
      },
      (layers) => {
        layers.a!.startBehavior = 'reject';
        layers.b!.startBehavior = 'throw';
        layers.c!.startTime = 500;
        // A driver error that echoes the password must not reach the message.
        layers.b!.start = (ctx) => {
          layers.b!.starts++;
          throw Object.assign(
            new Error(`auth failed for user app with password hunter2-very-secret (try ${ctx.attempt})`),
            {
              code: 'EAUTH',
            },
          );
        };
      },
    );
    const started = track(h.stator.start());
    await advanceUntil(h.clock, () => started.settled, 'start() to reject');

    expect(isStartupError(started.error)).toBe(true);
    const error = started.error as StartupError;
    expect(error.code).toBe('STARTUP_FAILED');
    expect(error.failures).toEqual([
      { resource: 'a', attempts: 3, message: 'a start rejected (attempt 3)' },
      {
        resource: 'b',
        attempts: 3,
        message: 'auth failed for user app with password [REDACTED] (try 3)',
        code: 'EAUTH',
      },
    ]);
    expect(error.skipped).toEqual(['d']);
    expect(error.message).toContain('a: a start rejected (attempt 3) after 3 attempts');
    expect(error.message).toContain(
      'b: auth failed for user app with password [REDACTED] (try 3) (EAUTH) after 3 attempts',
    );
    expect(error.message).toContain('Not started because a resource they depend on failed: d');
    expect(error.message).not.toContain('hunter2');
    expect(h.layers.a!.starts).toBe(3);
    expect(h.layers.b!.starts).toBe(3);
    expect(h.layers.d!.starts).toBe(0);

    // What did start is stopped again; failed ones get their stop() too, d was never started.
    expect(callsOf(h.log, 'stop').sort()).toEqual(['a', 'b', 'c']);
    const health = h.stator.health();
    expect(health).toMatchObject({
      status: 'down',
      supervisor: 'failed',
      failure: { reason: 'startup', resources: ['a', 'b'] },
    });
    expect(health.resources.a?.lastError?.message).toBe('a start rejected (attempt 3)');
    expect(JSON.stringify(health)).not.toContain('hunter2');
    expect(health.resources.d?.stopOutcome).toBe('skipped');
  });

  it('times out an initialization that hangs, aborting its signal, and retries it', async () => {
    const h = harness(
      ['a'],
      { supervisor: { resources: { a: { retry_attempts: 1, retry_delay: 1, timeout: 5 } } } },
      (layers) => {
        layers.a!.startBehavior = (attempt) => (attempt === 1 ? 'hang' : 'ok');
      },
    );
    const started = track(h.stator.start());
    await advanceUntil(h.clock, () => started.settled, 'start()');
    expect(started.error).toBeUndefined();
    expect(h.log.entries.filter((e) => e.call === 'start:a').map((e) => e.time)).toEqual([0, 6000]);
    expect(h.layers.a!.aborted).toBe(1);
    expect(h.stator.health().resources.a?.lastError).toEqual({
      name: 'TimeoutError',
      message: 'initialization attempt 1 took longer than 5 s',
      code: 'ETIMEDOUT',
    });
  });

  it('lets stop() cut a start short and rejects start()', async () => {
    const h = harness(['a'], {}, (layers) => {
      layers.a!.startBehavior = 'hang';
    });
    const started = track(h.stator.start());
    await h.clock.advance(100);
    const stopped = track(h.stator.stop());
    await advanceUntil(h.clock, () => stopped.settled && started.settled, 'stop()');
    expect(isStartupError(started.error)).toBe(true);
    expect((started.error as Error).message).toContain('stop() was called while starting');
    expect(h.layers.a!.aborted).toBe(1);
    expect(stopped.value?.order).toEqual(['a']);
  });
});
