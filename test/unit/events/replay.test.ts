import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, setup, assign, sendParent, sendTo, raise } from 'xstate';
import { EventBus, type StatorEvent } from '../../../src/kernel/event-bus.js';
import { replay } from '../../../src/events/replay.js';
import { TestClock } from '../../../src/kernel/clock.js';

/** A small machine with everything a replay must handle: input, invoke, a named delay, a guard, a child. */
const child = setup({}).createMachine({
  id: 'child',
  initial: 'off',
  states: { off: { on: { FLIP: 'on' } }, on: { on: { FLIP: 'off' } } },
});
const probeMachine = setup({
  types: { input: {} as { limit: number }, context: {} as { failures: number; limit: number } },
  actors: { probe: fromPromise(async () => 'pong'), child },
  guards: { tooMany: ({ context }) => context.failures + 1 >= context.limit },
  delays: { cooldown: 1000 },
}).createMachine({
  id: 'probe',
  context: ({ input }) => ({ failures: 0, limit: input.limit }),
  initial: 'probing',
  invoke: { id: 'light', src: 'child' },
  states: {
    probing: { invoke: { id: 'probe', src: 'probe', onDone: 'up', onError: 'down' } },
    up: {
      on: {
        FAIL: [
          { guard: 'tooMany', target: 'down' },
          { actions: assign({ failures: ({ context }) => context.failures + 1 }) },
        ],
      },
    },
    down: { after: { cooldown: 'probing' } },
  },
});

async function record(limit: number): Promise<StatorEvent[]> {
  const clock = new TestClock(1_000_000);
  const bus = new EventBus(clock);
  const log: StatorEvent[] = [];
  bus.events$.subscribe((e) => log.push(e));
  const actor = createActor(probeMachine, { clock, input: { limit }, inspect: bus.inspector('probe.main') });
  actor.start();
  await clock.advance(10);
  actor.send({ type: 'FAIL' });
  actor.send({ type: 'FAIL' });
  actor.getSnapshot().children.light?.send({ type: 'FLIP' });
  await clock.advance(500);
  actor.send({ type: 'FAIL' });
  await clock.advance(1500);
  actor.stop();
  return log;
}

describe('replay', () => {
  it('reaches the recorded states, including delays and invoked results', async () => {
    const log = await record(3);
    expect(log.map((e) => `${e.source} ${e.type}`)).toContain('probe.main xstate.after.cooldown.probe.down');
    const result = await replay(log, { machines: { probe: probeMachine } });
    expect(result.divergence).toBeUndefined();
    expect(result.steps.length).toBe(log.filter((e) => e.state !== undefined).length);
    expect(result.states['probe.main']).toContain('down');
    expect(result.states['probe.main/light']).toEqual(['off', 'on', 'on']); // init, FLIP, stop
  });

  it('reports the first divergence when the input changes', async () => {
    const log = await record(3);
    const result = await replay(log, {
      machines: { probe: probeMachine },
      input: (_s, _m, recorded) => ({ ...(recorded as object), limit: 2 }),
    });
    expect(result.divergence).toMatchObject({ source: 'probe.main', type: 'FAIL', expected: 'up', actual: 'down' });
  });

  it('reports a divergence when a delay changed', async () => {
    const log = await record(3);
    const slower = probeMachine.provide({ delays: { cooldown: 5000 } });
    const result = await replay(log, { machines: { probe: slower } });
    // At the recorded time the cooldown has not elapsed: the next thing the fresh machine did was something else.
    expect(result.divergence).toMatchObject({
      type: 'xstate.after.cooldown.probe.down',
      expected: 'probing',
      actual: 'down',
    });
    expect(result.divergence?.actualType).not.toBe('xstate.after.cooldown.probe.down');
  });

  it('replays machines that talk to each other once: reports to the parent, commands to a child, delayed raises', async () => {
    const worker = setup({
      actors: { work: fromPromise(async () => 'done') },
    }).createMachine({
      id: 'worker',
      initial: 'idle',
      states: {
        idle: { on: { GO: 'working' } },
        working: {
          invoke: { src: 'work', onDone: { target: 'idle', actions: sendParent({ type: 'WORKED' }) }, onError: 'idle' },
        },
      },
    });
    const boss = setup({
      types: { context: {} as { worked: number; ticks: number } },
      actors: { worker },
    }).createMachine({
      id: 'boss',
      context: { worked: 0, ticks: 0 },
      invoke: { id: 'w', src: 'worker' },
      on: {
        ASSIGN: { actions: [sendTo('w', { type: 'GO' }), raise({ type: 'TICK' }, { delay: 50 })] },
        WORKED: { actions: assign({ worked: ({ context }) => context.worked + 1 }) },
        TICK: { actions: assign({ ticks: ({ context }) => context.ticks + 1 }) },
      },
    });
    const clock = new TestClock(5_000);
    const bus = new EventBus(clock);
    const log: StatorEvent[] = [];
    // Started before anyone records: its start comes from running().
    const actor = createActor(boss, { clock, inspect: bus.inspector('pool.jobs/boss-1') });
    actor.start();
    log.push(...bus.running());
    bus.events$.subscribe((e) => log.push(e));
    actor.send({ type: 'ASSIGN' });
    await clock.advance(100);
    actor.stop();

    expect(log.slice(0, 2)).toEqual([
      expect.objectContaining({ source: 'pool.jobs/boss-1/w', type: 'xstate.init', from: 'pool.jobs/boss-1' }),
      expect.objectContaining({ source: 'pool.jobs/boss-1', type: 'xstate.init', data: { machine: 'boss' } }),
    ]);
    expect(log.find((e) => e.type === 'WORKED')).toMatchObject({
      source: 'pool.jobs/boss-1',
      from: 'pool.jobs/boss-1/w',
    });
    expect(log.find((e) => e.type === 'GO')).toMatchObject({ source: 'pool.jobs/boss-1/w', from: 'pool.jobs/boss-1' });
    expect(log.find((e) => e.type === 'TICK')).toMatchObject({ from: 'pool.jobs/boss-1' });
    const result = await replay(log, { machines: { boss } });
    expect(result.divergence).toBeUndefined();
    // Each report was sent once, by the fresh child, not a second time from the log.
    expect(result.states['pool.jobs/boss-1']).toHaveLength(log.filter((e) => e.source === 'pool.jobs/boss-1').length);
  });

  it('does not deliver the result of work the fresh machine is not waiting for (the actor would stop on it)', async () => {
    const log = await record(3);
    const neverProbes = probeMachine.provide({ delays: { cooldown: 60_000 } });
    const result = await replay(log, { machines: { probe: neverProbes } });
    expect(result.divergence).toBeDefined();
    // After the divergence the fresh actor still runs and records what it receives (the stop at the end).
    expect(result.states['probe.main']?.at(-1)).toBe('down');
  });

  it('accepts a delay that fired a little later than the fresh timer, within timerToleranceMs', async () => {
    const log = await record(3);
    const slightlyShorter = probeMachine.provide({ delays: { cooldown: 950 } });
    expect((await replay(log, { machines: { probe: slightlyShorter } })).divergence).toBeUndefined();
    expect(
      (await replay(log, { machines: { probe: slightlyShorter }, timerToleranceMs: 10 })).divergence,
    ).toMatchObject({
      type: 'xstate.after.cooldown.probe.down',
    });
  });
});
