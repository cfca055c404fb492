/**
 * What the event log costs. Each case runs three ways in one run: no event log (`events.path`
 * unset, nobody subscribed), the JSONL log written to a temp file (`events.path` set), and one
 * `stator.events$` subscriber that does nothing.
 *
 * 1. `stator.cache.get` on the memory driver (a hit): a hot path that sends no machine event.
 * 2. A breaker-wrapped call (the resilience pipeline, closed breaker): the same.
 * 3. Breaker transitions (`isolate()` then `reset()`: two machine events each): the price of each
 *    event that is recorded (redaction, JSON, a batched write).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { loadConfig } from '../src/config/load-config.js';
import { EventLogWriter } from '../src/events/event-log-writer.js';
import { createLogger } from '../src/logging/logger.js';
import { createResilience } from '../src/resilience/index.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { createStator } from '../src/runtime/create-stator.js';
import type { RuntimeContext } from '../src/kernel/context.js';
import { measure, printComparison, type Measurement } from './harness.js';

type Mode = 'no event log' | 'events.path (file)' | 'events$ subscriber';
const MODES: readonly Mode[] = ['no event log', 'events.path (file)', 'events$ subscriber'];

const dir = mkdtempSync(path.join(tmpdir(), 'stator-bench-events-'));
let files = 0;
const logFile = (): string => path.join(dir, `events-${++files}.jsonl`);

/** One case, set up for a mode: the operation to time and how to tear it down. */
interface Subject {
  readonly op: () => unknown;
  readonly close: () => Promise<void>;
}

async function cacheGet(mode: Mode): Promise<Subject> {
  const stator = createStator({
    config: {
      filesystem: { base_path: path.join(dir, `var-${++files}`) },
      ...(mode === 'events.path (file)' ? { events: { path: logFile() } } : {}),
    },
    logger: createLogger({ silent: true }),
    layers: { database: false },
  });
  const sub = mode === 'events$ subscriber' ? stator.events$.subscribe(() => undefined) : undefined;
  await stator.start();
  await stator.cache.set('bench:key', { hello: 'world' });
  return {
    op: () => stator.cache.get('bench:key'),
    close: async () => {
      sub?.unsubscribe();
      await stator.stop();
    },
  };
}

/** A RuntimeContext with the event log as the Stator wires it (a writer on the bus) or a subscriber. */
function context(mode: Mode): { ctx: RuntimeContext; close: () => Promise<void> } {
  const ctx = createRuntimeContext({
    config: loadConfig({
      error_handling: { retry: { max_attempts: 1 }, circuit_breaker: { minimum_calls: 1_000_000_000 } },
    }),
    logger: createLogger({ silent: true }),
  });
  let writer: EventLogWriter | undefined;
  let sub: Subscription | undefined;
  if (mode === 'events.path (file)') writer = new EventLogWriter(ctx.events, logFile());
  if (mode === 'events$ subscriber') sub = ctx.events.events$.subscribe(() => undefined);
  return {
    ctx,
    close: async () => {
      sub?.unsubscribe();
      await writer?.close();
    },
  };
}

async function breakerCall(mode: Mode): Promise<Subject> {
  const { ctx, close } = context(mode);
  const resilience = createResilience(ctx);
  const pipeline = resilience.pipeline('bench');
  const work = (): Promise<number> => Promise.resolve(1);
  return {
    op: () => pipeline.run('op', work),
    close: async () => {
      await resilience.stop();
      await close();
    },
  };
}

async function breakerTransitions(mode: Mode): Promise<Subject> {
  const { ctx, close } = context(mode);
  const resilience = createResilience(ctx);
  const breaker = resilience.pipeline('bench').breaker;
  return {
    op: async () => {
      breaker.isolate();
      breaker.reset();
      // Let the batched writes reach the file, as a running service would between events.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    close: async () => {
      await resilience.stop();
      await close();
    },
  };
}

/**
 * Times the three modes in interleaved rounds (so a burst of load on a shared machine hits each
 * mode alike) and keeps each mode's best round.
 */
async function compare(title: string, label: string, setup: (mode: Mode) => Promise<Subject>): Promise<void> {
  const subjects = new Map<Mode, Subject>();
  for (const mode of MODES) subjects.set(mode, await setup(mode));
  const best = new Map<Mode, Measurement>();
  const rounds = 3;
  const durationMs = Math.max(200, Math.round(Number(process.env.BENCH_MS ?? 1500) / rounds));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of MODES) {
        const m = await measure(`${label}, ${mode}`, (subjects.get(mode) as Subject).op, { durationMs });
        const previous = best.get(mode);
        if (!previous || m.opsPerSec > previous.opsPerSec) best.set(mode, m);
      }
    }
  } finally {
    for (const subject of subjects.values()) await subject.close();
  }
  printComparison(
    title,
    MODES.map((mode) => best.get(mode) as Measurement),
  );
}

export async function run(): Promise<void> {
  try {
    await compare(
      'events: stator.cache.get on the memory driver (best of 3 interleaved rounds; ratio to no event log)',
      'cache.get (memory, hit)',
      cacheGet,
    );
    await compare(
      'events: a breaker-wrapped call (best of 3 interleaved rounds; ratio to no event log)',
      'pipeline.run (closed breaker)',
      breakerCall,
    );
    await compare(
      'events: recorded machine events, breaker isolate+reset (best of 3 interleaved rounds; ratio to no event log)',
      'isolate+reset (2 events)',
      breakerTransitions,
    );
    const bytes = Array.from({ length: files }, (_, i) => path.join(dir, `events-${i + 1}.jsonl`))
      .map((f) => {
        try {
          return statSync(f).size;
        } catch {
          return 0;
        }
      })
      .reduce((a, b) => a + b, 0);
    console.log(`event log bytes written during the section: ${bytes.toLocaleString('en-US')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
