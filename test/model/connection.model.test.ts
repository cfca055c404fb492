/**
 * Model-based test of machines/connection.machine.ts against its two real owners, on a TestClock:
 * Stator's pool (src/pool/connection-pool.ts, with a factory whose creates, validations and closes
 * the driver settles; the I/O itself is irrelevant to the machine) and the cache's node
 * connections (src/cache/node-connections.ts, fed the signals the ioredis and memjs drivers report).
 * One model per owner, each offering in every state only the events its owner really causes
 * there; their coverage is merged. Nothing is sent straight to the actor: every transition counted
 * is one src/ caused (the test fails if one is only reached by a direct send).
 *
 * How each model event is caused, on a pooled connection:
 * - `CREATED` / `CREATE_FAILED`: the factory's create resolves / rejects (the pool opens conn-1 for
 *   an acquire; the lease is given back at once).
 * - `VALIDATE`: the clock passes `validation_interval`; housekeeping validates the idle connection.
 *   `VALID` / `INVALID`: the factory's validate answers true / false.
 * - `RETIRE`: the pool closes (drain); while validating, the pool closes and the validation ends.
 * - `ERROR`: idle, a LENT connection emits `error` (a server terminated it; the lease is held on);
 *   validating, the connection emits `error` and the validation then says yes; retiring after
 *   that `ERROR` (lease still held), the lease comes back (the pool closes it, naming the error).
 * - `CLOSED`: the factory's destroy finishes (in retiring after a lent `ERROR`: the lease comes
 *   back first, which starts the close).
 * - `LEAK_SUSPECTED` / `LEAK_RETURNED`: a lease outlives `leak_threshold` / then comes back
 *   (idle, or retiring after a lent `ERROR`).
 * On a cache node: `DRIVER.READY|RECONNECTING|CLOSED|END|ERROR|TIMEOUT` are the node signals
 * `ready`, `reconnecting`, `closed`, `end`, `error`, `unresponsive` given to `NodeConnections.observe`;
 * `RETIRE` is the signal `removed` (the owner sends `RETIRE` then `DRIVER.END` at once, so the node
 * passes through `retiring` to `closed` in one step: the last step of a path).
 */
import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventObject, Snapshot, StateValue } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import { NodeConnections } from '../../src/cache/node-connections.js';
import { ConnectionPool } from '../../src/pool/connection-pool.js';
import type { Lease } from '../../src/pool/lease.js';
import { modelContext } from './model-context.js';
import { machineEvents } from './model-events.js';
import { formatCoverage, mergeReports, runModel, type Driver, type MachineModel, type ModelReport } from './model.js';
import type { MachineProbe } from './probe.js';

const VALIDATION_MS = 10_000;
const LEAK_MS = 5_000;
const NODE = '127.0.0.1:6399';

/** A promise the driver settles. */
class Deferred<T> {
  public resolve!: (value: T) => void;
  public reject!: (error: Error) => void;
  public readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

class FakeConnection extends EventEmitter {}

const POOL_EVENTS: Readonly<Record<string, readonly string[]>> = {
  creating: ['CREATED', 'CREATE_FAILED'],
  idle: ['VALIDATE', 'RETIRE', 'ERROR', 'LEAK_SUSPECTED', 'LEAK_RETURNED'],
  validating: ['VALID', 'INVALID', 'RETIRE', 'ERROR'],
  retiring: ['CLOSED'],
  // Retiring because a lent connection failed (its lease is still held): the lease can still be
  // reported as a leak, and come back.
  'retiring:error': ['CLOSED', 'ERROR', 'LEAK_SUSPECTED', 'LEAK_RETURNED'],
};
/** What the pool model's state is told apart by: the value, and for `retiring`, why. */
const poolState = (s: Snapshot<unknown>): string => {
  const snap = s as unknown as { value: unknown; context: { retireReason?: string } };
  const value = String(snap.value);
  return value === 'retiring' && snap.context.retireReason === 'error' ? 'retiring:error' : value;
};
const NODE_EVENTS: Readonly<Record<string, readonly string[]>> = {
  creating: ['DRIVER.READY', 'DRIVER.RECONNECTING', 'DRIVER.CLOSED', 'DRIVER.END', 'DRIVER.ERROR'],
  idle: ['DRIVER.RECONNECTING', 'DRIVER.CLOSED', 'DRIVER.END', 'DRIVER.ERROR', 'DRIVER.TIMEOUT'],
  unresponsive: [
    'DRIVER.READY',
    'DRIVER.RECONNECTING',
    'DRIVER.CLOSED',
    'DRIVER.END',
    'DRIVER.ERROR',
    'DRIVER.TIMEOUT',
  ],
  reconnecting: ['DRIVER.READY', 'DRIVER.RECONNECTING', 'DRIVER.CLOSED', 'DRIVER.END', 'DRIVER.ERROR'],
};
/** States in which the cache drops a node (signal `removed`: `RETIRE`, then `DRIVER.END`). */
const NODE_RETIRES = new Set(['creating', 'idle', 'reconnecting', 'unresponsive']);

type Owner = 'pool' | 'node';

function createDriver(owner: Owner, probe: MachineProbe): Promise<Driver> {
  const { ctx, clock } = modelContext({}, probe);
  let pool: ConnectionPool<FakeConnection> | undefined;
  let nodes: NodeConnections | undefined;
  let connection: FakeConnection | undefined;
  let create: Deferred<FakeConnection> | undefined;
  let validation: Deferred<boolean> | undefined;
  let destroy: Deferred<void> | undefined;
  const leases: Lease<FakeConnection>[] = [];

  const startPool = (): void => {
    pool = new ConnectionPool<FakeConnection>(ctx, {
      name: 'model',
      max: 1,
      min: 0,
      idleTimeoutMs: 3_600_000,
      maxLifetimeMs: 0,
      validationIntervalMs: VALIDATION_MS,
      leakThresholdMs: LEAK_MS,
      acquireTimeoutMs: 3_600_000,
      createTimeoutMs: 3_600_000,
      factory: {
        create: () => (create = new Deferred<FakeConnection>()).promise,
        validate: () => (validation = new Deferred<boolean>()).promise,
        destroy: () => (destroy = new Deferred<void>()).promise,
      },
    });
    // The first acquire makes the pool open conn-1; its lease goes back as soon as it is lent.
    pool.acquire().then(
      (lease) => lease.release(),
      () => undefined,
    );
  };
  const startNode = (): void => {
    nodes = new NodeConnections(ctx);
    nodes.track(NODE);
  };
  const state = (): string => {
    const value = (probe.snapshot() as { value?: StateValue } | undefined)?.value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const settle = (): Promise<void> => clock.advance(0);
  const pending = <T>(d: Deferred<T> | undefined, what: string): Deferred<T> => {
    if (!d) throw new Error(`connection driver: no ${what} is pending`);
    return d;
  };

  const lentLease = (): Lease<FakeConnection> => {
    const lease = leases.find((l) => !l.released);
    if (!lease)
      throw new Error('connection driver: no lent connection (retiring was not reached through a lent ERROR)');
    return lease;
  };

  const causeOnPool = async (event: EventObject): Promise<void> => {
    const s = state();
    const p = pool as ConnectionPool<FakeConnection>;
    switch (event.type) {
      case 'CREATED':
        pending(create, 'create').resolve((connection = new FakeConnection()));
        break;
      case 'CREATE_FAILED':
        pending(create, 'create').reject(new Error('connect ECONNREFUSED'));
        break;
      case 'VALIDATE':
        await clock.advance(VALIDATION_MS);
        break;
      case 'VALID':
      case 'INVALID':
        pending(validation, 'validation').resolve(event.type === 'VALID');
        validation = undefined;
        break;
      case 'RETIRE':
        void p.close();
        await settle();
        if (s === 'validating') pending(validation, 'validation').resolve(true);
        break;
      case 'ERROR':
        if (s === 'idle') {
          // Lent when it fails: the pool tells the machine at once and closes it when the lease comes back.
          leases.push(await p.acquire());
          connection?.emit('error', new Error('terminating connection due to administrator command'));
        } else if (s === 'validating') {
          connection?.emit('error', new Error('terminating connection due to administrator command'));
          await settle();
          pending(validation, 'validation').resolve(true);
          validation = undefined;
        } else lentLease().release();
        break;
      case 'CLOSED':
        if (s === 'retiring' && leases.some((l) => !l.released)) {
          lentLease().release();
          await settle();
        }
        pending(destroy, 'destroy').resolve();
        destroy = undefined;
        break;
      case 'LEAK_SUSPECTED':
      case 'LEAK_RETURNED': {
        const lease = s === 'idle' ? await p.acquire() : lentLease();
        if (s === 'idle') leases.push(lease);
        await clock.advance(LEAK_MS);
        if (event.type === 'LEAK_RETURNED') lease.release();
        break;
      }
      default:
        throw new Error(`connection driver: no pool stimulus for ${event.type}`);
    }
    await settle();
  };

  const causeOnNode = async (event: EventObject): Promise<void> => {
    const name = event.type === 'RETIRE' ? 'removed' : event.type.slice('DRIVER.'.length).toLowerCase();
    const signal = (name === 'timeout' ? 'unresponsive' : name) as
      'ready' | 'reconnecting' | 'closed' | 'end' | 'error' | 'unresponsive' | 'removed';
    const error =
      signal === 'error'
        ? new Error('read ECONNRESET')
        : signal === 'unresponsive'
          ? new Error('no answer within 500 ms')
          : undefined;
    (nodes as NodeConnections).observe(NODE, signal, error);
    await settle();
  };

  if (owner === 'pool') startPool();
  else startNode();
  return clock.advance(0).then(() => ({
    async apply(event: EventObject) {
      if (owner === 'pool') await causeOnPool(event);
      else await causeOnNode(event);
    },
    async dispose() {
      for (const lease of leases) if (!lease.released) lease.release();
      create?.reject(new Error('test over'));
      validation?.resolve(false);
      destroy?.resolve();
      if (pool) {
        const closing = pool.close();
        // Every destroy the close starts finishes at once.
        for (let i = 0; i < 5; i++) {
          destroy?.resolve();
          await settle();
        }
        await closing;
      }
      nodes?.stop();
    },
  }));
}

/** One owner's model: in every state, only the events that owner really causes there. */
function connectionModel(owner: Owner): MachineModel {
  const all = machineEvents(connectionMachine, {
    CREATE_FAILED: [{ type: 'CREATE_FAILED', error: 'connect ECONNREFUSED' }],
    INVALID: [{ type: 'INVALID', reason: 'invalid' }],
    RETIRE: [{ type: 'RETIRE', reason: owner === 'pool' ? 'drain' : 'removed' }],
    ERROR: [{ type: 'ERROR', error: 'terminating connection' }],
    'DRIVER.ERROR': [{ type: 'DRIVER.ERROR', error: 'read ECONNRESET' }],
    'DRIVER.TIMEOUT': [{ type: 'DRIVER.TIMEOUT', error: 'no answer within 500 ms' }],
    LEAK_SUSPECTED: [{ type: 'LEAK_SUSPECTED', heldMs: LEAK_MS }],
    LEAK_RETURNED: [{ type: 'LEAK_RETURNED', heldMs: LEAK_MS }],
  });
  const value = (s: Snapshot<unknown>): string => String((s as { value?: unknown }).value);
  const allowed = (names: readonly string[] | undefined): EventObject[] => all.filter((e) => names?.includes(e.type));
  if (owner === 'pool')
    return {
      machine: connectionMachine,
      input: { id: 'conn-1' },
      events: (snapshot) => allowed(POOL_EVENTS[poolState(snapshot)]),
      // Counters (leaks) and the last error change no decision: states are told apart by value (and retire reason).
      serialize: poolState,
      createDriver: (probe) => createDriver(owner, probe),
    };
  return {
    machine: connectionMachine,
    input: { id: 'conn-1' },
    events: (snapshot) => allowed(NODE_EVENTS[value(snapshot)]),
    finalOnly: (snapshot) => (NODE_RETIRES.has(value(snapshot)) ? allowed(['RETIRE']) : []),
    // A dropped node goes through `retiring` to `closed` in one step.
    passThrough: true,
    serialize: value,
    createDriver: (probe) => createDriver(owner, probe),
  };
}

let result: ModelReport | undefined;
afterAll(() => {
  if (result) console.log(formatCoverage(result));
});

describe('connection machine, model-based, against the pool and the cache node connections', () => {
  it('takes every transition of the model in the real implementation', async () => {
    const reports: ModelReport[] = [];
    for (const owner of ['pool', 'node'] as const) reports.push(await runModel(connectionModel(owner)));
    result = mergeReports(connectionMachine, reports);
    expect(result.failures).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
