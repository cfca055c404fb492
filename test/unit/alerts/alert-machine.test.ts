import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { alertMachine, type AlertInput } from '../../../machines/alert.machine.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { alertStatusOf } from '../../../src/status/alerts/alert-transition.js';

const SECOND = 1000;

function start(input: Partial<AlertInput> = {}) {
  const clock = new TestClock();
  const actor = createActor(alertMachine, {
    clock,
    input: {
      rule: 'pool_utilization',
      threshold: 0.9,
      clearThreshold: 0.8,
      holdMs: 60 * SECOND,
      clearHoldMs: 30 * SECOND,
      ...input,
    },
  });
  const statuses: string[] = [];
  actor.subscribe((s) => {
    const status = alertStatusOf(s.value);
    if (statuses.at(-1) !== status) statuses.push(status);
  });
  actor.start();
  const sample = (value: number): void => actor.send({ type: 'SAMPLE', value });
  const regions = () => actor.getSnapshot().value as { condition: unknown; silence: unknown };
  return { actor, clock, sample, statuses, value: () => regions().condition, silence: () => regions().silence };
}

describe('alert machine', () => {
  it('starts ok and stays ok below the threshold', () => {
    const a = start();
    a.sample(0.5);
    a.sample(0.9); // at the threshold is not above it
    expect(a.value()).toBe('ok');
    expect(a.actor.getSnapshot().context.value).toBe(0.9);
  });

  it('fires only after the threshold stayed crossed for the hold duration', async () => {
    const a = start();
    a.sample(0.95);
    expect(a.value()).toBe('pending');
    await a.clock.advance(59 * SECOND);
    a.sample(0.97);
    expect(a.value()).toBe('pending');
    await a.clock.advance(1 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' });
    expect(a.statuses).toEqual(['ok', 'pending', 'firing']);
  });

  it('goes back to ok when the signal recovers during the hold, and the hold restarts on the next crossing', async () => {
    const a = start();
    a.sample(0.95);
    await a.clock.advance(50 * SECOND);
    a.sample(0.85);
    expect(a.value()).toBe('ok');
    await a.clock.advance(20 * SECOND); // the old hold would have elapsed here
    expect(a.value()).toBe('ok');
    a.sample(0.95);
    await a.clock.advance(59 * SECOND);
    expect(a.value()).toBe('pending');
    await a.clock.advance(1 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' });
  });

  it('resolves only below the clear threshold, after the clear hold (hysteresis)', async () => {
    const a = start();
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    a.sample(0.85); // under the threshold but above the clear threshold: still firing
    await a.clock.advance(120 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' });
    a.sample(0.7);
    expect(a.value()).toEqual({ firing: 'clearing' });
    await a.clock.advance(29 * SECOND);
    expect(alertStatusOf(a.value())).toBe('firing');
    await a.clock.advance(1 * SECOND);
    expect(a.value()).toBe('resolved');
    expect(a.statuses).toEqual(['ok', 'pending', 'firing', 'resolved']);
  });

  it('stays firing when the signal comes back above the clear threshold during the clear hold', async () => {
    const a = start();
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    a.sample(0.7);
    await a.clock.advance(20 * SECOND);
    a.sample(0.82);
    expect(a.value()).toEqual({ firing: 'active' });
    await a.clock.advance(60 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' });
  });

  it('does not flap on a signal oscillating around the threshold', async () => {
    const a = start();
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    expect(a.statuses).toEqual(['ok', 'pending', 'firing']);
    // An hour of a signal swinging around 0.9 every 10 s, with dips under the clear threshold
    // shorter than the clear hold.
    for (let i = 0; i < 360; i++) {
      a.sample([0.92, 0.88, 0.91, 0.75, 0.89, 0.93][i % 6] as number);
      await a.clock.advance(10 * SECOND);
    }
    expect(a.statuses).toEqual(['ok', 'pending', 'firing']);
    // It resolves once the signal really settles.
    a.sample(0.5);
    await a.clock.advance(30 * SECOND);
    expect(a.statuses).toEqual(['ok', 'pending', 'firing', 'resolved']);
  });

  it('never fires on an oscillation shorter than the hold', async () => {
    const a = start();
    for (let i = 0; i < 360; i++) {
      a.sample(i % 2 ? 0.89 : 0.91);
      await a.clock.advance(10 * SECOND);
    }
    expect(a.statuses).not.toContain('firing');
  });

  it('can fire again after resolving', async () => {
    const a = start();
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    a.sample(0.1);
    await a.clock.advance(30 * SECOND);
    a.sample(0.99);
    expect(a.value()).toBe('pending');
    await a.clock.advance(60 * SECOND);
    expect(a.statuses).toEqual(['ok', 'pending', 'firing', 'resolved', 'pending', 'firing']);
  });

  it('supports signals that must stay high (direction below)', async () => {
    const a = start({
      rule: 'cache_hit_ratio',
      direction: 'below',
      threshold: 0.5,
      clearThreshold: 0.6,
      holdMs: 10 * SECOND,
      clearHoldMs: 10 * SECOND,
    });
    a.sample(0.4);
    await a.clock.advance(10 * SECOND);
    expect(alertStatusOf(a.value())).toBe('firing');
    a.sample(0.55); // back over the threshold, not over the clear threshold
    await a.clock.advance(20 * SECOND);
    expect(alertStatusOf(a.value())).toBe('firing');
    a.sample(0.65);
    await a.clock.advance(10 * SECOND);
    expect(a.value()).toBe('resolved');
  });

  it('defaults the clear threshold and clear hold to the threshold and hold', async () => {
    const a = start({ clearThreshold: undefined, clearHoldMs: undefined, holdMs: 5 * SECOND });
    expect(a.actor.getSnapshot().context).toMatchObject({ clearThreshold: 0.9, clearHoldMs: 5 * SECOND });
    a.sample(1);
    await a.clock.advance(5 * SECOND);
    a.sample(0.9);
    await a.clock.advance(5 * SECOND);
    expect(a.value()).toBe('resolved');
  });

  it('acknowledges a firing alert (still firing) until it resolves; a new firing is not acknowledged', async () => {
    const a = start();
    a.actor.send({ type: 'ACKNOWLEDGE', by: 'alice' });
    expect(a.value()).toBe('ok'); // nothing to acknowledge
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    a.actor.send({ type: 'ACKNOWLEDGE', by: 'alice' });
    expect(a.value()).toEqual({ acknowledged: 'active' });
    expect(alertStatusOf(a.value())).toBe('firing');
    expect(a.actor.getSnapshot().context.acknowledgedBy).toBe('alice');
    a.sample(0.5);
    expect(a.value()).toEqual({ acknowledged: 'clearing' });
    await a.clock.advance(30 * SECOND);
    expect(a.value()).toBe('resolved');
    expect(a.actor.getSnapshot().context.acknowledgedBy).toBeUndefined();
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' });
  });

  it('clears: a firing alert resolves at once, a pending one returns to ok, and a persisting signal fires again after a full hold', async () => {
    const a = start();
    a.sample(0.95);
    a.actor.send({ type: 'CLEAR' });
    expect(a.value()).toBe('ok');
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    a.actor.send({ type: 'CLEAR' });
    expect(a.value()).toBe('resolved');
    a.sample(0.95);
    expect(a.value()).toBe('pending');
    await a.clock.advance(59 * SECOND);
    expect(a.value()).toBe('pending');
    await a.clock.advance(1 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' });
  });

  it('silences for a duration on the clock, whatever the condition does; a new silence restarts it; unsilence ends it', async () => {
    const a = start();
    a.actor.send({ type: 'SILENCE', durationMs: 120 * SECOND });
    expect(a.silence()).toBe('silenced');
    a.sample(0.95);
    await a.clock.advance(60 * SECOND);
    expect(a.value()).toEqual({ firing: 'active' }); // the condition goes on as usual
    a.actor.send({ type: 'SILENCE', durationMs: 120 * SECOND });
    await a.clock.advance(119 * SECOND);
    expect(a.silence()).toBe('silenced');
    await a.clock.advance(1 * SECOND);
    expect(a.silence()).toBe('audible');
    expect(a.actor.getSnapshot().context.silenceMs).toBe(0);
    a.actor.send({ type: 'SILENCE', durationMs: 3600 * SECOND });
    a.actor.send({ type: 'UNSILENCE' });
    expect(a.silence()).toBe('audible');
  });
});
