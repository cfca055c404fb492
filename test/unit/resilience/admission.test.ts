import { describe, expect, it } from 'vitest';
import { isCircuitOpenError } from '../../../src/errors/circuit-open-error.js';
import { attemptsOf, createResilience, type Admission } from '../../../src/resilience/index.js';
import type { TestClock } from '../../../src/kernel/clock.js';
import { resilienceContext, transientError, type ErrorHandlingInput } from './support/context.js';

function setup(errorHandling: ErrorHandlingInput = {}) {
  const ctx = resilienceContext({
    retry: { max_attempts: 3, delay: 0 },
    circuit_breaker: { minimum_calls: 3, shared: false },
    ...errorHandling,
  });
  const resilience = createResilience(ctx);
  const pipeline = resilience.pipeline('cache');
  return { ctx, resilience, pipeline };
}

const admitted = (call: Admission | undefined): Admission => {
  if (!call) throw new Error('expected the pipeline to admit the call');
  return call;
};

describe('Pipeline.admit / recover (the synchronous half of run and read)', () => {
  it('counts outcomes as run() does: successes, failures by kind with attempts 1, and trips the breaker', async () => {
    const { ctx, pipeline } = setup({ circuit_breaker: { minimum_calls: 4, shared: false } });
    admitted(pipeline.admit('get')).succeeded();
    const errors = [transientError(), transientError(), transientError()];
    for (const error of errors) admitted(pipeline.admit('get')).failed(error);
    // No retry, whatever retry.max_attempts says: the caller made exactly one attempt.
    expect(errors.map(attemptsOf)).toEqual([1, 1, 1]);
    expect(pipeline.breaker.state).toBe('open');
    const text = await ctx.metrics.metrics();
    expect(text).toContain('stator_resilience_calls_total{resource="cache",outcome="success"} 1');
    expect(text).toContain('stator_resilience_calls_total{resource="cache",outcome="failure"} 3');
    expect(text).toContain('stator_resilience_errors_total{resource="cache",kind="connection-lost"} 3');
  });

  it('an open breaker refuses at admission with CircuitOpenError, counted and announced', async () => {
    const { ctx, pipeline } = setup();
    for (let i = 0; i < 3; i++) admitted(pipeline.admit('set')).failed(transientError());
    let refusal: unknown;
    try {
      pipeline.admit('set');
    } catch (error) {
      refusal = error;
    }
    expect(isCircuitOpenError(refusal)).toBe(true);
    expect(await ctx.metrics.metrics()).toContain(
      'stator_resilience_calls_total{resource="cache",outcome="rejected"} 1',
    );
    expect(ctx.published.some((e) => e.source === 'resilience.cache' && e.type === 'breaker.rejected')).toBe(true);
  });

  it('an error the resource answered with (a syntax error) does not count against the breaker', () => {
    const { pipeline } = setup();
    const syntax = Object.assign(new Error('ERR syntax error'), { code: '42601' });
    for (let i = 0; i < 5; i++) admitted(pipeline.admit('get')).failed(syntax);
    expect(pipeline.breaker.state).toBe('closed');
  });

  it('half-open: an admitted trial closes the breaker when it succeeds', async () => {
    const { ctx, pipeline } = setup({
      circuit_breaker: { minimum_calls: 3, reset_timeout: 1, probe: false, shared: false },
    });
    for (let i = 0; i < 3; i++) admitted(pipeline.admit('get')).failed(transientError());
    await (ctx.clock as TestClock).advance(1000);
    expect(pipeline.breaker.state).toBe('halfOpen');
    const trial = admitted(pipeline.admit('get'));
    // The one trial slot is taken: the next call is refused until the trial ends.
    expect(() => pipeline.admit('get')).toThrow();
    trial.succeeded();
    expect(pipeline.breaker.state).toBe('closed');
  });

  it('readSucceeded remembers the value; recover answers a later failure from the fallback chain, with the same events as read()', async () => {
    const { ctx, pipeline } = setup({ fallback: { strategies: ['local', 'default'] } });
    admitted(pipeline.admit('get')).readSucceeded('k', 'last good');
    const error = transientError();
    admitted(pipeline.admit('get')).failed(error);
    expect(await pipeline.recover('get', 'k', error)).toMatchObject({
      value: 'last good',
      source: 'local',
      stale: true,
    });
    expect(await pipeline.recover('get', 'other', error, { default: { value: 0 } })).toMatchObject({
      value: 0,
      source: 'default',
    });
    const types = ctx.published.filter((e) => e.source === 'resilience.cache').map((e) => e.type);
    expect(types.filter((t) => t === 'fallback.served')).toHaveLength(2);
  });

  it('recover rethrows when no strategy answers, and for errors a fallback must not hide', async () => {
    const { pipeline } = setup({ fallback: { strategies: ['local'] } });
    const error = transientError();
    await expect(pipeline.recover('get', 'never-read', error)).rejects.toBe(error);
    const syntax = Object.assign(new Error('ERR syntax error'), { code: '42601' });
    admitted(pipeline.admit('get')).readSucceeded('k', 'v');
    await expect(pipeline.recover('get', 'k', syntax)).rejects.toBe(syntax);
  });

  it('no synchronous admission with a rate limiter or a total-time cap: the caller goes through run()', () => {
    expect(
      setup({ rate_limit: { cache: { max_concurrent: 2, shared: false } } }).pipeline.admit('get'),
    ).toBeUndefined();
    expect(setup({ retry: { max_total: 5 } }).pipeline.admit('get')).toBeUndefined();
  });
});
