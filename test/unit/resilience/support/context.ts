import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { configSchema, type StatorConfigInput } from '../../../../src/config/schema.js';
import { EventBus, type StatorEvent } from '../../../../src/kernel/event-bus.js';
import { createLogger } from '../../../../src/logging/logger.js';
import { SecretRegistry } from '../../../../src/logging/redact.js';
import { TestClock, type Clock } from '../../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../../src/kernel/context.js';

/** The `error_handling` section as a test writes it. */
export type ErrorHandlingInput = NonNullable<StatorConfigInput['error_handling']>;

/** A runtime context for resilience tests, with every event it published and what it logged. */
export interface ResilienceTestContext extends RuntimeContext {
  readonly clock: Clock;
  readonly published: StatorEvent[];
  readonly logged: { level: string; message: string; meta: Record<string, unknown> }[];
}

/** A context on a {@link TestClock} (unless `clock` is given) with the given `error_handling`. */
export function resilienceContext(
  errorHandling: ErrorHandlingInput = {},
  options: { clock?: Clock; config?: Omit<StatorConfigInput, 'error_handling'> } = {},
): ResilienceTestContext {
  const secrets = new SecretRegistry();
  const clock = options.clock ?? new TestClock(1_000_000);
  const events = new EventBus(clock, secrets);
  const published: StatorEvent[] = [];
  events.events$.subscribe((e) => published.push(e));
  const logged: ResilienceTestContext['logged'] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const { level, message, ...meta } = JSON.parse(line) as { level: string; message: string } & Record<
          string,
          unknown
        >;
        logged.push({ level, message, meta });
      }
      done();
    },
  });
  const logger = createLogger({ secrets, stream, format: 'json', level: 'debug' });
  return {
    config: configSchema.parse({ ...options.config, error_handling: errorHandling }),
    clock,
    logger,
    events,
    metrics: new Registry(),
    secrets,
    published,
    logged,
  };
}

/** A deterministic uniform random source (mulberry32). */
export function seededRandom(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An error with a transient kind (ECONNRESET), as Node's net module makes them. */
export function transientError(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}
