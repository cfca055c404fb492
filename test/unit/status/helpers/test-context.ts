import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { configSchema, type StatorConfigInput } from '../../../../src/config/schema.js';
import { EventBus, type StatorEvent } from '../../../../src/kernel/event-bus.js';
import { createLogger } from '../../../../src/logging/logger.js';
import { SecretRegistry } from '../../../../src/logging/redact.js';
import { TestClock } from '../../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../../src/kernel/context.js';

/** A RuntimeContext on a TestClock whose log lines (JSON) and events are kept for assertions. */
export interface TestContext {
  readonly ctx: RuntimeContext;
  readonly clock: TestClock;
  readonly lines: Array<Record<string, unknown>>;
  readonly events: StatorEvent[];
}

export function testContext(config: StatorConfigInput = {}): TestContext {
  const clock = new TestClock(1_000_000);
  const secrets = new SecretRegistry();
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const bus = new EventBus(clock, secrets);
  const events: StatorEvent[] = [];
  bus.events$.subscribe((e) => events.push(e));
  const ctx: RuntimeContext = {
    config: configSchema.parse(config),
    clock,
    logger: createLogger({ stream, format: 'json', level: 'debug', secrets }),
    events: bus,
    metrics: new Registry(),
    secrets,
  };
  return { ctx, clock, lines, events };
}
