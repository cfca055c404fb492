/**
 * The circuit breaker in the closed state: Stator against cockatiel and opossum, in one run.
 *
 * 1. A succeeding call through each breaker (calls/s, ratio to Stator).
 * 2. Per-call cost with the breaker's window holding ~100 and ~100,000 calls, on success and on
 *    failure (the breaker never trips: minimum calls out of reach, and Stator's
 *    `consecutive_failures` rule off, as cockatiel's SamplingBreaker has none). Stator keeps
 *    ring-bucket counters, so its cost is flat; opossum concatenates and sorts every latency in its
 *    window on each failure.
 * 3. A call refused by an open breaker (each library's own error, with its stack): the cost of
 *    failing fast during an outage.
 */
import { circuitBreaker, ConsecutiveBreaker, handleAll, SamplingBreaker, type CircuitBreakerPolicy } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { createResilience, type Pipeline, type Resilience } from '../src/resilience/index.js';
import type { RuntimeContext } from '../src/kernel/context.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import {
  comparePaired,
  measure,
  printComparison,
  printTarget,
  type Measurement,
  type PairedResult,
} from './harness.js';

const WINDOW_S = 60;
const NEVER = 1_000_000_000;

const work = (): Promise<number> => Promise.resolve(1);
const failure = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const failing = (): Promise<number> => Promise.reject(failure);

/** A Stator pipeline with only the breaker in play (retry off, no limiter). */
export function statorBreaker(errorHandling?: StatorConfigInput['error_handling']): {
  pipeline: Pipeline;
  resilience: Resilience;
} {
  const resilience = createResilience(statorContext(errorHandling));
  return { pipeline: resilience.pipeline('bench'), resilience };
}

let sharedContext: RuntimeContext | undefined;

/** The context of the bench's breakers (built once unless settings are given: a service builds one per process). */
function statorContext(errorHandling?: StatorConfigInput['error_handling']): RuntimeContext {
  if (sharedContext && !errorHandling) return sharedContext;
  const config = configSchema.parse({
    error_handling: {
      retry: { max_attempts: 1 },
      fallback: { enabled: false },
      ...errorHandling,
      circuit_breaker: {
        threshold: 0.5,
        window: WINDOW_S,
        reset_timeout: 300,
        minimum_calls: NEVER,
        // Off, so that failing calls are measured in the closed state (cockatiel's breaker never trips here).
        consecutive_failures: 0,
        ...errorHandling?.circuit_breaker,
      },
    },
  });
  const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
  if (!errorHandling) sharedContext = ctx;
  return ctx;
}

function cockatielBreaker(): CircuitBreakerPolicy {
  return circuitBreaker(handleAll, {
    halfOpenAfter: 300_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: WINDOW_S * 1000, minimumRps: NEVER }),
  });
}

function opossumBreaker(fn: () => Promise<number>, withTimeout: boolean): OpossumBreaker<[], number> {
  return new OpossumBreaker(fn, {
    errorThresholdPercentage: 50,
    resetTimeout: 300_000,
    rollingCountTimeout: WINDOW_S * 1000,
    rollingCountBuckets: 10,
    volumeThreshold: NEVER,
    timeout: withTimeout ? 10_000 : false,
  });
}

/** One library's breaker around an operation that succeeds until `failing` is set. */
interface Subject {
  readonly name: string;
  make(): Built;
}

interface Built {
  call(): Promise<unknown>;
  /** From now on the operation fails. */
  startFailing(): void;
  dispose(): Promise<void>;
}

/** The operation every breaker wraps: the same flag check for every library. */
function switchable(): { op: () => Promise<number>; startFailing: () => void } {
  let fail = false;
  return { op: () => (fail ? failing() : work()), startFailing: () => (fail = true) };
}

const subjects: readonly Subject[] = [
  {
    name: 'stator',
    make() {
      const { pipeline, resilience } = statorBreaker();
      const { op, startFailing } = switchable();
      return { call: () => pipeline.run('op', op).catch(ignore), startFailing, dispose: () => resilience.stop() };
    },
  },
  {
    name: 'cockatiel',
    make() {
      const policy = cockatielBreaker();
      const { op, startFailing } = switchable();
      return { call: () => policy.execute(op).catch(ignore), startFailing, dispose: async () => undefined };
    },
  },
  {
    name: 'opossum',
    make() {
      const { op, startFailing } = switchable();
      const breaker = opossumBreaker(op, false);
      return { call: () => breaker.fire().catch(ignore), startFailing, dispose: async () => breaker.shutdown() };
    },
  },
];

function ignore(): undefined {
  return undefined;
}

/**
 * Per-call cost with a window holding `size` calls: build a batch of breakers (enough for about
 * 20,000 timed calls), fill each window with `size` succeeding calls (not timed), collect garbage,
 * then time `size` more calls of the case on each; repeat until `budgetMs` of timed calls. The
 * window holds between `size` and `2 × size` calls while timed. An untimed round first warms the
 * JIT up.
 */
async function windowCost(subject: Subject, size: number, fail: boolean, budgetMs: number): Promise<Measurement> {
  await windowRounds(subject, Math.min(size, 1000), fail, budgetMs / 4);
  const { ops, timedNs } = await windowRounds(subject, size, fail, budgetMs);
  const name = `${subject.name}, window ~${size.toLocaleString('en-US')} calls, ${fail ? 'failure' : 'success'}`;
  return { name, ops, opsPerSec: (ops / timedNs) * 1e9, nsPerOp: timedNs / ops };
}

async function windowRounds(
  subject: Subject,
  size: number,
  fail: boolean,
  budgetMs: number,
): Promise<{ ops: number; timedNs: number }> {
  let ops = 0;
  let timedNs = 0;
  const chunk = Math.min(size, 50);
  const batchSize = Math.max(4, Math.floor(20_000 / size));
  while (timedNs < budgetMs * 1e6) {
    const batch = Array.from({ length: batchSize }, () => subject.make());
    for (const b of batch) {
      for (let i = 0; i < size; i++) await b.call();
      if (fail) b.startFailing();
    }
    // Keep the garbage of building and filling breakers out of the timed calls.
    (globalThis as { gc?: () => void }).gc?.();
    for (const b of batch) {
      for (let done = 0; done < size && timedNs < budgetMs * 1e6; done += chunk) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < chunk; i++) await b.call();
        timedNs += Number(process.hrtime.bigint() - start);
        ops += chunk;
      }
    }
    await Promise.all(batch.map((b) => b.dispose()));
  }
  return { ops, timedNs };
}

export async function run(): Promise<void> {
  // 1. A succeeding call, closed state.
  const rows: Measurement[] = [];
  const stator = statorBreaker();
  rows.push(await measure('stator breaker (pipeline, retry off)', () => stator.pipeline.run('op', work)));
  const policy = cockatielBreaker();
  rows.push(await measure('cockatiel SamplingBreaker', () => policy.execute(work)));
  const opossum = opossumBreaker(work, false);
  rows.push(await measure('opossum (timeout: false)', () => opossum.fire()));
  const opossumDefault = opossumBreaker(work, true);
  rows.push(await measure('opossum (default 10 s timeout)', () => opossumDefault.fire()));
  rows.push(await measure('no breaker (the operation alone)', work));
  printComparison('breaker: closed-state call that succeeds (ratio to Stator)', rows);
  await stator.resilience.stop();
  opossum.shutdown();
  opossumDefault.shutdown();

  // 2. Window of ~100 vs ~100,000 calls, success and failure. Each case runs REPEATS times,
  // interleaved with the others so that a noisy moment on a shared machine hits them all, and
  // the best run is kept.
  const budget = Number(process.env.BENCH_MS ?? 1500) / 2;
  for (const fail of [false, true]) {
    const cases = subjects.flatMap((subject) => [100, 100_000].map((size) => ({ subject, size })));
    const best = new Map<string, Measurement>();
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const { subject, size } of cases) {
        // Opossum sorts its whole window on each failure: one run of that case is plenty.
        if (repeat > 0 && fail && subject.name === 'opossum' && size > 1000) continue;
        const m = await windowCost(subject, size, fail, budget);
        const previous = best.get(m.name);
        if (!previous || m.nsPerOp < previous.nsPerOp) best.set(m.name, m);
      }
    }
    printComparison(
      `breaker: per-call cost by window size, calls that ${fail ? 'fail' : 'succeed'} (best of ${REPEATS}; ratio to the first row)`,
      [...best.values()],
    );
    if (fail) failureTargets(best);
  }
  await closedFailurePaired();

  // 3. Calls refused by an open breaker.
  const [theirs, ours] = await openRefusals();
  if (ours && theirs)
    printTarget(
      'breaker: refusal by an open breaker, per call, vs cockatiel',
      ours.cpuRatio >= 1,
      `CPU ${Math.round(ours.cpuNsPerOp)} ns vs ${Math.round(theirs.cpuNsPerOp)} ns, ${ours.ratio.toFixed(2)}x its calls/s`,
      '≤ cockatiel CPU per call',
    );
}

/** Target: a failing call costs Stator no more than cockatiel, at each window size. */
function failureTargets(best: ReadonlyMap<string, Measurement>): void {
  for (const size of [100, 100_000]) {
    const label = `window ~${size.toLocaleString('en-US')} calls, failure`;
    const ours = best.get(`stator, ${label}`);
    const theirs = best.get(`cockatiel, ${label}`);
    if (!ours || !theirs) continue;
    printTarget(
      `breaker: failing call, ${label.replace(', failure', '')}, per call, vs cockatiel`,
      ours.nsPerOp <= theirs.nsPerOp,
      `${(ours.nsPerOp / 1000).toFixed(2)} µs vs ${(theirs.nsPerOp / 1000).toFixed(2)} µs`,
      '≤ cockatiel',
    );
  }
}

/**
 * The failing call again, in paired rounds on one long-lived breaker each (the window fills with
 * failures, neither trips): CPU per call, the figure a loaded machine moves least.
 */
async function closedFailurePaired(): Promise<void> {
  const { pipeline, resilience } = statorBreaker();
  const policy = cockatielBreaker();
  const [theirs, ours] = await comparePaired(
    'breaker: a call that fails, closed breaker (ratio to cockatiel)',
    [
      { name: 'cockatiel SamplingBreaker', call: () => policy.execute(failing).catch(ignore) },
      { name: 'stator breaker (pipeline, retry off)', call: () => pipeline.run('op', failing).catch(ignore) },
    ],
    { concurrency: 1 },
  );
  if (pipeline.breaker.state !== 'closed') throw new Error('the Stator breaker tripped');
  if (ours && theirs)
    printTarget(
      'breaker: failing call, closed, paired, vs cockatiel',
      ours.cpuRatio >= 1,
      `CPU ${Math.round(ours.cpuNsPerOp)} ns vs ${Math.round(theirs.cpuNsPerOp)} ns, ${ours.ratio.toFixed(2)}x its calls/s`,
      '≤ cockatiel CPU per call',
    );
  await resilience.stop();
}

/** Each library's breaker tripped by five failures in a row, then timed refusing calls in paired rounds. */
async function openRefusals(): Promise<PairedResult[]> {
  const { pipeline, resilience } = statorBreaker({ circuit_breaker: { consecutive_failures: 5 } });
  const policy = circuitBreaker(handleAll, { halfOpenAfter: 300_000, breaker: new ConsecutiveBreaker(5) });
  const opossum = opossumBreaker(failing, false);
  for (let i = 0; i < 5; i++) {
    await pipeline.run('op', failing).catch(ignore);
    await policy.execute(failing).catch(ignore);
  }
  opossum.open();
  if (pipeline.breaker.state !== 'open') throw new Error('the Stator breaker did not trip');
  const rows = await comparePaired(
    'breaker: a call refused by an open breaker (ratio to cockatiel)',
    [
      { name: 'cockatiel (BrokenCircuitError)', call: () => policy.execute(failing).catch(ignore) },
      { name: 'stator (CircuitOpenError)', call: () => pipeline.run('op', failing).catch(ignore) },
      { name: 'opossum (Breaker is open)', call: () => opossum.fire().catch(ignore) },
    ],
    { concurrency: 1 },
  );
  await resilience.stop();
  opossum.shutdown();
  return rows;
}

const REPEATS = 3;
