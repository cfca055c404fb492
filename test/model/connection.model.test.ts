/**
 * Model-based test of machines/connection.machine.ts against its two real owners, on a TestClock:
 * Stator's pool (src/pool/connection-pool.ts, with a factory whose creates, validations and closes
 * the driver settles; the I/O itself is irrelevant to the machine) and the cache's node
 * connections (src/cache/node-connections.ts, fed the signals the ioredis and memjs drivers report).
 * Models per owner: the pool's with every event but `DRIVER.*`, the cache node's with `DRIVER.*`,
 * `RETIRE`, `ACQUIRE` and `RELEASE`; each once with only the events its owner really causes in
 * each state and once with all of them. Their coverage is merged.
 *
 * How each model event is caused, on a pooled connection:
 * - `CREATED` / `CREATE_FAILED`: the factory's create resolves / rejects (the pool opens conn-1 for
 *   an acquire; the lease is given back at once).
 * - `VALIDATE`: the clock passes `validation_interval`; housekeeping validates the idle connection.
 *   `VALID` / `INVALID`: the factory's validate answers true / false.
 * - `RETIRE`: the pool closes (drain); while validating, the pool closes and the validation ends.
 * - `ERROR`: the idle connection emits `error` (a server terminated it).
 * - `CLOSED`: the factory's destroy finishes.
 * - `LEAK_SUSPECTED` / `LEAK_RETURNED`: a lease outlives `leak_threshold` / then comes back.
 * On a cache node: `DRIVER.READY|RECONNECTING|CLOSED|END|ERROR|TIMEOUT` are the node signals
 * `ready`, `reconnecting`, `closed`, `end`, `error`, `unresponsive` given to `NodeConnections.observe`.
 *
 * Sent straight to the real actor (listed in the coverage line), because no owner in src/ sends
 * them in that state: `ACQUIRE` / `RELEASE` and everything in `busy` (Stator's pool keeps borrow
 * state as a plain flag, see the machine's docs), `CLOSED` without a retire first, `ERROR` while
 * validating or retiring, a leak report while retiring, `RETIRE` while creating, and `RETIRE` on a cache node (its owner retires with RETIRE and DRIVER.END at once), also while `unresponsive`.
 */
import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventObject, StateValue } from 'xstate';
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
  validating: ['VALID', 'INVALID', 'RETIRE'],
  retiring: ['CLOSED'],
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
  busy: ['DRIVER.RECONNECTING', 'DRIVER.CLOSED', 'DRIVER.END', 'DRIVER.ERROR'],
  reconnecting: ['DRIVER.READY', 'DRIVER.RECONNECTING', 'DRIVER.CLOSED', 'DRIVER.END', 'DRIVER.ERROR'],
  retiring: ['DRIVER.CLOSED', 'DRIVER.END', 'DRIVER.ERROR'],
};

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
  const send = (event: EventObject): void => probe.sendDirect(event);
  const pending = <T>(d: Deferred<T> | undefined, what: string): Deferred<T> => {
    if (!d) throw new Error(`connection driver: no ${what} is pending`);
    return d;
  };

  const causeOnPool = async (event: EventObject): Promise<boolean> => {
    const s = state();
    if (!POOL_EVENTS[s]?.includes(event.type)) return false;
    // After a direct send the pool may not be where the machine is (e.g. retiring without a close running).
    const needs: Record<string, unknown> = {
      CREATED: create,
      CREATE_FAILED: create,
      VALID: validation,
      INVALID: validation,
      CLOSED: destroy,
    };
    if (event.type in needs && needs[event.type] === undefined) return false;
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
        connection?.emit('error', new Error('terminating connection due to administrator command'));
        break;
      case 'CLOSED':
        pending(destroy, 'destroy').resolve();
        destroy = undefined;
        break;
      case 'LEAK_SUSPECTED':
      case 'LEAK_RETURNED': {
        const lease = await p.acquire();
        leases.push(lease);
        await clock.advance(LEAK_MS);
        if (event.type === 'LEAK_RETURNED') lease.release();
        break;
      }
    }
    await settle();
    return true;
  };

  const causeOnNode = async (event: EventObject): Promise<boolean> => {
    if (!NODE_EVENTS[state()]?.includes(event.type)) return false;
    const name = event.type.slice('DRIVER.'.length).toLowerCase();
    const signal = (name === 'timeout' ? 'unresponsive' : name) as
      'ready' | 'reconnecting' | 'closed' | 'end' | 'error' | 'unresponsive';
    const error =
      signal === 'error'
        ? new Error('read ECONNRESET')
        : signal === 'unresponsive'
          ? new Error('no answer within 500 ms')
          : undefined;
    (nodes as NodeConnections).observe(NODE, signal, error);
    await settle();
    return true;
  };

  if (owner === 'pool') startPool();
  else startNode();
  return clock.advance(0).then(() => ({
    async apply(event: EventObject) {
      const caused = owner === 'pool' ? await causeOnPool(event) : await causeOnNode(event);
      if (!caused) {
        send(event);
        await settle();
      }
    },
    async dispose() {
      for (const lease of leases) if (!lease.released) lease.release();
      // After a direct send ended the machine, the pool's pending create/validate/destroy are left
      // pending: settling them would have the pool send to a stopped actor (an XState warning).
      const ended = (probe.snapshot() as { status?: string } | undefined)?.status !== 'active';
      if (!ended) {
        create?.reject(new Error('test over'));
        validation?.resolve(false);
        destroy?.resolve();
      }
      // A pool whose connection machine already ended (after a direct send) is left as it is.
      if (pool && (probe.snapshot() as { status?: string } | undefined)?.status === 'active') {
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

const NODE_ONLY = new Set([
  'DRIVER.READY',
  'DRIVER.RECONNECTING',
  'DRIVER.CLOSED',
  'DRIVER.END',
  'DRIVER.ERROR',
  'DRIVER.TIMEOUT',
]);
const NODE_TOO = new Set(['RETIRE', 'ACQUIRE', 'RELEASE']);

/**
 * One owner's model. `realOnly`: only the events that owner really causes in each state, so that
 * the shortest paths to every state are real ones; otherwise every event of that owner, to reach
 * the transitions nothing in src/ causes (sent straight to the actor).
 */
function connectionModel(owner: Owner, realOnly: boolean): MachineModel {
  const all = machineEvents(connectionMachine, {
    CREATE_FAILED: [{ type: 'CREATE_FAILED', error: 'connect ECONNREFUSED' }],
    INVALID: [{ type: 'INVALID', reason: 'invalid' }],
    RETIRE: [{ type: 'RETIRE', reason: 'drain' }],
    ERROR: [{ type: 'ERROR', error: 'terminating connection' }],
    'DRIVER.ERROR': [{ type: 'DRIVER.ERROR', error: 'read ECONNRESET' }],
    'DRIVER.TIMEOUT': [{ type: 'DRIVER.TIMEOUT', error: 'no answer within 500 ms' }],
    LEAK_SUSPECTED: [{ type: 'LEAK_SUSPECTED', heldMs: LEAK_MS }],
    LEAK_RETURNED: [{ type: 'LEAK_RETURNED', heldMs: LEAK_MS }],
  });
  const mine = all.filter((e) =>
    owner === 'node' ? NODE_ONLY.has(e.type) || NODE_TOO.has(e.type) : !NODE_ONLY.has(e.type),
  );
  const real = owner === 'node' ? NODE_EVENTS : POOL_EVENTS;
  return {
    machine: connectionMachine,
    input: { id: 'conn-1' },
    events: (snapshot) => {
      if (!realOnly) return mine;
      const allowed = real[String((snapshot as { value?: unknown }).value)] ?? [];
      return mine.filter((e) => allowed.includes(e.type));
    },
    // Counters (reconnects, leaks) and the last error change no decision: states are told apart by value.
    serialize: (s) => JSON.stringify((s as { value?: unknown }).value),
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
    for (const owner of ['pool', 'node'] as const) {
      for (const realOnly of [true, false]) reports.push(await runModel(connectionModel(owner, realOnly)));
    }
    result = mergeReports(connectionMachine, reports);
    expect(result.failures).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
