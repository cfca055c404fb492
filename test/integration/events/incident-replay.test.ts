/**
 * Replays the recorded incident `test/fixtures/incident-redis-restart.jsonl` (a real Stator whose
 * Redis was killed under load and restarted; recorded by test/fixtures/record-incident.test.ts).
 * Pure: no Redis needed, the machines run on a simulated clock.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { machinesById } from '../../../machines/index.js';
import { circuitBreakerMachine } from '../../../machines/circuit-breaker.machine.js';
import type { StatorEvent } from '../../../src/kernel/event-bus.js';
import { parseEventLog } from '../../../src/events/event-log-reader.js';
import { replay } from '../../../src/events/replay.js';
import { overrideInputs } from '../../../src/events/replay-overrides.js';
import { formatTimeline } from '../../../src/events/timeline.js';

const fixture = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/incident-redis-restart.jsonl',
);
const log: StatorEvent[] = parseEventLog(readFileSync(fixture, 'utf8'), fixture);

const states = (source: string): string[] =>
  log.filter((e) => e.source === source && e.state !== undefined).map((e) => JSON.stringify(e.state));
const dedupe = (list: readonly unknown[]): string[] =>
  list.map((s) => JSON.stringify(s)).filter((s, i, all) => i === 0 || all[i - 1] !== s);

/** The first time the recorded cache breaker half-opened: its reset timeout ran out. */
const firstHalfOpen = log.find((e) => e.source === 'breaker.cache' && e.type.startsWith('xstate.after.resetTimeout'));

describe('the recorded Redis-restart incident', () => {
  it('is what the fixture claims: the breaker opened, probed while Redis was down, and closed; reads were served from the fallback', () => {
    expect(dedupe(states('breaker.cache').map((s) => JSON.parse(s) as unknown))).toEqual(
      expect.arrayContaining(['"closed"', '"open"', '{"halfOpen":"probing"}']),
    );
    expect(states('breaker.cache').at(-1)).toBe('"closed"');
    expect(log.some((e) => e.type === 'fallback.served')).toBe(true);
    expect(states('cache/127.0.0.1:6410')).toContain('"reconnecting"');
    expect(states('supervisor')).toContain('{"running":"degraded"}');
    expect(firstHalfOpen).toBeDefined();
  });

  it("replays into today's machines to the recorded states, machine by machine", async () => {
    const result = await replay(log);
    expect(result.divergence, formatTimeline(result)).toBeUndefined();
    expect(result.steps.length).toBe(log.filter((e) => e.state !== undefined).length);
    for (const source of [
      'breaker.cache',
      'supervisor',
      'supervisor/resource.cache',
      'cache/127.0.0.1:6410',
      'pool.database/conn-1',
    ]) {
      expect(
        result.states[source]?.map((s) => JSON.stringify(s)),
        source,
      ).toEqual(states(source));
    }
  });

  it('reports the first divergence where a changed breaker setting changes what the breaker decides', async () => {
    // The failure-ratio threshold (error_handling.circuit_breaker.threshold) is not in the machine:
    // src/resilience's sliding window applies it and sends TRIP, and a replay delivers the recorded
    // TRIP whatever the threshold. What the machine itself decides is when to leave `open`: after
    // its reset timeout (reset_timeout 0.5 s in the recording). With 2 s, the fresh breaker is
    // still open when the recording half-opened, so that is the first divergence.
    const result = await replay(log, { input: overrideInputs({ 'breaker.cache': { resetTimeoutMs: 2_000 } }) });
    expect(result.divergence).toMatchObject({
      seq: firstHalfOpen?.seq,
      source: 'breaker.cache',
      type: firstHalfOpen?.type,
      expected: { halfOpen: 'probing' },
      actual: 'open',
    });
    // Everything before it still matched, other machines included.
    const before = result.steps.filter((s) => s.seq < (firstHalfOpen?.seq ?? 0));
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((s) => s.matches)).toBe(true);
  });

  it('reports the first divergence when the breaker machine itself changed (no probe: half-open lets trial calls through)', async () => {
    const noProbe = circuitBreakerMachine.provide({ guards: { usesProbe: () => false } });
    const result = await replay(log, { machines: { ...machinesById, circuitBreaker: noProbe } });
    expect(result.divergence).toMatchObject({
      seq: firstHalfOpen?.seq,
      expected: { halfOpen: 'probing' },
      actual: { halfOpen: 'trial' },
    });
    expect(formatTimeline(result)).toContain(`first divergence at #${firstHalfOpen?.seq} (breaker.cache`);
  });
});
