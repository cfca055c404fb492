/**
 * The cost of observing Stator: events through the event stream and the status stream with
 * 1,000 connection machines alive, and memory per connection machine.
 *
 * 1. Machine events/s across 1,000 connection machines (a LEAK_SUSPECTED then a LEAK_RETURNED to
 *    the next connection in turn): raw XState actors (baseline), Stator's startMachine with the event bus
 *    unobserved, and with a subscriber on `events$` (what a live view or an event log pays).
 * 2. Status snapshots/s through `status$` of a running Stator (with the observability parts:
 *    readiness, open alerts, pools), each a real change delivered to a subscriber.
 * 3. Heap bytes per connection machine (raw XState and through startMachine), after a full GC
 *    (run with `node --expose-gc`).
 */
import { createActor, type Actor } from 'xstate';
import { connectionMachine } from '../machines/connection.machine.js';
import { configSchema } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { startMachine } from '../src/kernel/actor.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { createStator } from '../src/runtime/create-stator.js';
import type { RuntimeContext } from '../src/kernel/context.js';
import type { ResourceLayer } from '../src/kernel/layer.js';
import type { StatorRuntime } from '../src/runtime/runtime.js';
import { heapUsed, measure, printComparison } from './harness.js';

const CONNECTIONS = 1000;
type Connection = Actor<typeof connectionMachine>;

function context(): RuntimeContext {
  return createRuntimeContext({ config: configSchema.parse({}), logger: createLogger({ silent: true }) });
}

function rawConnections(n: number): Connection[] {
  return Array.from({ length: n }, (_, i) => {
    const a = createActor(connectionMachine, { input: { id: `conn-${i}` } });
    a.start();
    a.send({ type: 'CREATED' });
    return a;
  });
}

function statorConnections(ctx: RuntimeContext, n: number): Connection[] {
  return Array.from({ length: n }, (_, i) => {
    const a = startMachine(ctx, connectionMachine, { source: `pool.database/conn-${i}`, input: { id: `conn-${i}` } });
    a.send({ type: 'CREATED' });
    return a;
  });
}

/**
 * Two machine events on the next connection: a leak report and its return (two transitions that
 * keep it `idle`, one of them assigning context), as a busy pool sends per suspected leak.
 */
function cycler(conns: readonly Connection[]): () => void {
  let i = 0;
  return () => {
    const c = conns[i++ % conns.length] as Connection;
    c.send({ type: 'LEAK_SUSPECTED', heldMs: 1 });
    c.send({ type: 'LEAK_RETURNED', heldMs: 1 });
  };
}

async function eventsThroughput(): Promise<void> {
  const raw = rawConnections(CONNECTIONS);
  const unobservedCtx = context();
  const unobserved = statorConnections(unobservedCtx, CONNECTIONS);
  const observedCtx = context();
  const observed = statorConnections(observedCtx, CONNECTIONS);
  let seen = 0;
  const sub = observedCtx.events.events$.subscribe(() => seen++);
  const rows = [
    await measure('raw XState actors (2 events per op)', cycler(raw)),
    await measure('startMachine, events$ unobserved', cycler(unobserved)),
    await measure('startMachine, one events$ subscriber', cycler(observed)),
  ];
  sub.unsubscribe();
  printComparison(
    `machine events across ${CONNECTIONS} connection machines (ops = LEAK_SUSPECTED+LEAK_RETURNED)`,
    rows,
  );
  const perSec = (rows[2]?.opsPerSec ?? 0) * 2;
  console.log(
    `events/s delivered to an events$ subscriber: ${Math.round(perSec).toLocaleString('en-US')} (${seen.toLocaleString('en-US')} seen)`,
  );
  for (const a of [...raw, ...unobserved, ...observed]) a.stop();
}

function trivialLayer(name: string, details: () => Record<string, unknown>): ResourceLayer {
  return {
    name,
    start: () => Promise.resolve(),
    check: () => Promise.resolve({ status: 'up' }),
    stop: () => Promise.resolve(),
    details,
  };
}

async function statusThroughput(): Promise<void> {
  const pool = { total: 10, idle: 5, busy: 5, pending: 0, max: 10 };
  const stator = createStator({
    logger: createLogger({ silent: true }),
    config: { monitoring: { metrics_interval: 3600, health_interval: 3600 } },
    layers: {
      cache: false,
      filesystem: false,
      database: false,
      store: () => trivialLayer('store', () => ({ pool })),
      queue: () => trivialLayer('queue', () => ({})),
      search: () => trivialLayer('search', () => ({})),
    },
  }) as StatorRuntime;
  await stator.start();
  let received = 0;
  const sub = stator.status$.subscribe(() => received++);
  // Each refresh carries a real change (the restart counter an extension reports), so each one
  // is built, compared, and delivered.
  let n = 0;
  stator.statusManager.extend((s) => ({ ...s, recentRestarts: n }));
  const before = received;
  const row = await measure('status$ snapshot built and delivered', () => {
    n++;
    stator.statusManager.refresh();
  });
  printComparison('status$ with 3 resources, readiness, alerts, pools', [row]);
  console.log(`status snapshots delivered: ${(received - before).toLocaleString('en-US')}`);
  sub.unsubscribe();
  await stator.stop();
}

function memoryPerMachine(): void {
  const n = CONNECTIONS * 5;
  const measureBytes = (make: () => Connection[]): number => {
    const base = heapUsed();
    const actors = make();
    const used = heapUsed() - base;
    for (const a of actors) a.stop();
    return used / n;
  };
  const raw = measureBytes(() => rawConnections(n));
  const ctx = context();
  const stator = measureBytes(() => statorConnections(ctx, n));
  console.log(`\n## memory per connection machine (${n.toLocaleString('en-US')} alive, after GC)`);
  console.log(`raw XState actor        ${Math.round(raw).toLocaleString('en-US').padStart(8)} bytes`);
  console.log(
    `through startMachine    ${Math.round(stator).toLocaleString('en-US').padStart(8)} bytes (${(stator / raw).toFixed(2)}x)`,
  );
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc for stable figures)');
}

export async function run(): Promise<void> {
  await eventsThroughput();
  await statusThroughput();
  memoryPerMachine();
}
