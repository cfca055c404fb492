/**
 * A separate Stator process for the shared-state tests, driven over IPC by the test. Started
 * with `fork()` on the compiled file; configured from argv[2] (JSON).
 */
import { Redis } from 'ioredis';
import { configSchema } from '../../../../src/config/schema.js';
import { createLogger } from '../../../../src/logging/logger.js';
import { createResilience } from '../../../../src/resilience/index.js';
import { createRuntimeContext } from '../../../../src/kernel/create-context.js';

/** What the test sends. */
export type WorkerCommand =
  | { readonly cmd: 'trip' }
  | { readonly cmd: 'state' }
  | { readonly cmd: 'waitState'; readonly state: string }
  | { readonly cmd: 'call' }
  | { readonly cmd: 'reset' }
  | { readonly cmd: 'isolate' }
  | { readonly cmd: 'hold'; readonly calls: number; readonly holdMs: number }
  | { readonly cmd: 'stop' };

/** How a worker is configured. */
export interface WorkerSetup {
  readonly redisPort: number;
  readonly prefix: string;
  readonly maxConcurrent: number;
  /** Share the rate limit through Redis (default true). */
  readonly sharedLimit?: boolean;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as WorkerSetup;
const config = configSchema.parse({
  error_handling: {
    retry: { max_attempts: 1 },
    circuit_breaker: { minimum_calls: 2, threshold: 0.5, reset_timeout: 600, probe: false },
    rate_limit: { database: { max_concurrent: setup.maxConcurrent, shared: setup.sharedLimit ?? true } },
    redis: { host: '127.0.0.1', port: setup.redisPort, key_prefix: setup.prefix },
  },
});
const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
const resilience = createResilience(ctx);
const pipeline = resilience.pipeline('database');
const probe = new Redis({ port: setup.redisPort });
// Counts calls in flight across every process, and the peak, atomically in Redis.
probe.defineCommand('enter', {
  numberOfKeys: 2,
  lua: "local v = redis.call('INCR', KEYS[1]); if v > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], v) end; return v",
});
const inFlight = `${setup.prefix}test:in-flight`;
const peak = `${setup.prefix}test:peak`;

const send = (message: Record<string, unknown>): void => {
  process.send?.(message);
};

const snapshot = (): Record<string, unknown> => ({
  state: pipeline.breaker.state,
  nextAttemptAt: pipeline.breaker.nextAttemptAt,
});

async function handle(command: WorkerCommand): Promise<Record<string, unknown>> {
  switch (command.cmd) {
    case 'trip': {
      const failure = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      while (pipeline.breaker.state === 'closed') {
        await pipeline.run('q', () => Promise.reject(failure)).catch(() => undefined);
      }
      return snapshot();
    }
    case 'state':
      return snapshot();
    case 'waitState':
      await new Promise<void>((resolve) => {
        const sub = pipeline.breaker.state$.subscribe((s) => {
          if (s.state !== command.state) return;
          queueMicrotask(() => sub.unsubscribe());
          resolve();
        });
      });
      return snapshot();
    case 'call': {
      let called = false;
      const outcome = await pipeline
        .run('q', async () => {
          called = true;
          return 'ok';
        })
        .then(
          (value) => ({ value }),
          (error: unknown) => ({ error: (error as { code?: string }).code ?? String(error) }),
        );
      return { ...outcome, called, ...snapshot() };
    }
    case 'reset':
      pipeline.breaker.reset();
      return snapshot();
    case 'isolate':
      pipeline.breaker.isolate();
      return snapshot();
    case 'hold': {
      const calls = Array.from({ length: command.calls }, () =>
        pipeline.run('hold', async () => {
          await (probe as Redis & { enter(a: string, b: string): Promise<number> }).enter(inFlight, peak);
          await new Promise((r) => setTimeout(r, command.holdMs));
          await probe.decr(inFlight);
        }),
      );
      await Promise.all(calls);
      return { done: command.calls };
    }
    case 'stop':
      await resilience.stop();
      probe.disconnect();
      return { stopped: true };
  }
}

process.on('message', (raw) => {
  const { id, command } = raw as { id: number; command: WorkerCommand };
  handle(command).then(
    (result) => {
      send({ id, result });
      if (command.cmd === 'stop') setImmediate(() => process.exit(0));
    },
    (error: unknown) => send({ id, error: String(error) }),
  );
});

const shared = await resilience.ready(5000);
send({ ready: true, shared });
