import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { setup } from 'xstate';
import { configSchema } from '../../../src/config/schema.js';
import { EventBus } from '../../../src/kernel/event-bus.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { startMachine } from '../../../src/kernel/actor.js';
import { TestClock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';
import { persistMachine, restoreMachine } from '../../../src/kernel/persistence.js';

const breakerLike = setup({ delays: { resetTimeout: 300_000 } }).createMachine({
  id: 'toyBreaker',
  initial: 'closed',
  states: {
    closed: { on: { TRIP: 'open' } },
    open: { after: { resetTimeout: 'halfOpen' } },
    halfOpen: { on: { SUCCESS: 'closed', FAILURE: 'open' } },
  },
});

function context(clock: TestClock): RuntimeContext {
  const secrets = new SecretRegistry();
  return {
    config: configSchema.parse({}),
    clock,
    logger: createLogger({ silent: true }),
    events: new EventBus(clock, secrets),
    metrics: new Registry(),
    secrets,
  };
}

describe('persisted snapshots', () => {
  it('a machine restored in a state with a pending delay still leaves it on time', async () => {
    const clock = new TestClock(1_000);
    const ctx = context(clock);
    const original = startMachine(ctx, breakerLike, { source: 'breaker.toy' });
    original.send({ type: 'TRIP' });
    await clock.advance(100_000); // 200 s of the 300 s reset timeout remain
    const saved = JSON.parse(JSON.stringify(persistMachine(original, clock)));
    original.stop();
    expect(saved.timers).toHaveLength(1);
    expect(saved.timers[0].dueAt).toBe(1_000 + 300_000);

    // A fresh process (a fresh clock at the same time) restores it.
    const clock2 = new TestClock(clock.now());
    const restored = restoreMachine(context(clock2), breakerLike, saved, { source: 'breaker.toy' });
    expect(restored.getSnapshot().value).toBe('open');
    await clock2.advance(199_999);
    expect(restored.getSnapshot().value).toBe('open');
    await clock2.advance(1);
    expect(restored.getSnapshot().value).toBe('halfOpen');
    restored.stop();
  });

  it('a delay that fell due while the machine was down fires at once on restore', async () => {
    const clock = new TestClock(0);
    const original = startMachine(context(clock), breakerLike, { source: 'breaker.toy' });
    original.send({ type: 'TRIP' });
    const saved = persistMachine(original, clock);
    original.stop();
    const later = new TestClock(400_000);
    const restored = restoreMachine(context(later), breakerLike, saved, { source: 'breaker.toy' });
    await later.advance(0);
    expect(restored.getSnapshot().value).toBe('halfOpen');
    restored.stop();
  });

  it('without re-arming, XState alone leaves the restored machine open forever (why this exists)', async () => {
    const clock = new TestClock(0);
    const original = startMachine(context(clock), breakerLike, { source: 'breaker.toy' });
    original.send({ type: 'TRIP' });
    const saved = persistMachine(original, clock);
    original.stop();
    const later = new TestClock(0);
    const plain = startMachine(context(later), breakerLike, { source: 'breaker.toy', snapshot: saved.snapshot });
    await later.advance(1_000_000);
    expect(plain.getSnapshot().value).toBe('open');
    plain.stop();
  });
});
