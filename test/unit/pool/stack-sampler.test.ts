import { describe, expect, it } from 'vitest';
import { StackSampler, SUSPICION_MS } from '../../../src/pool/stack-sampler.js';

/** A clock the test moves by hand. */
const manualClock = (): { now: () => number; at: number } => {
  const clock = { at: 1_000, now: () => clock.at };
  return clock;
};

describe('StackSampler: which callers get their stack recorded (connection_pool.capture_stacks)', () => {
  it('sampled: at most one caller per interval, the first one at once', () => {
    const clock = manualClock();
    const sampler = new StackSampler(clock, 'sampled', 10);
    expect(sampler.wants()).toBe(true);
    expect(sampler.wants()).toBe(false);
    clock.at += 9;
    expect(sampler.wants()).toBe(false);
    clock.at += 1;
    expect(sampler.wants()).toBe(true);
    expect(sampler.wants()).toBe(false);
  });

  it('sampled: every caller for five minutes after a suspicion, then sampled again', () => {
    const clock = manualClock();
    const sampler = new StackSampler(clock, 'sampled', 10);
    sampler.wants();
    sampler.suspect(clock.now());
    expect([sampler.wants(), sampler.wants(), sampler.wants()]).toEqual([true, true, true]);
    clock.at += SUSPICION_MS - 1;
    expect([sampler.wants(), sampler.wants()]).toEqual([true, true]);
    clock.at += 1;
    expect([sampler.wants(), sampler.wants()]).toEqual([false, false]);
  });

  it('always records every caller; never records none, suspicion or not', () => {
    const clock = manualClock();
    const always = new StackSampler(clock, 'always', 10);
    const never = new StackSampler(clock, 'never', 10);
    never.suspect(clock.now());
    expect([always.wants(), always.wants(), never.wants(), never.wants()]).toEqual([true, true, false, false]);
  });
});
