import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { Actor } from 'xstate';
import { connectionMachine, type ConnectionEvent } from '../../machines/connection.machine.js';
import { startMachine } from '../kernel/actor.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth } from '../kernel/layer.js';
import type { NodeObserver, NodeSignal } from './driver.js';

type ConnectionActor = Actor<typeof connectionMachine>;

/** One server connection as status shows it. */
export interface CacheNodeStatus {
  /** The connection machine's state: `creating`, `idle`, `reconnecting`, `failed`, ... */
  readonly state: string;
  /** Clock time (ms) the node entered that state. */
  readonly since: number;
  readonly reconnects: number;
  readonly lastError?: string;
}

interface NodeRecord {
  actor: ConnectionActor;
  state: string;
  since: number;
}

const UP = new Set(['idle', 'validating']);

/**
 * The cache's server connections as connection machines (`machines/connection.machine.ts`),
 * one per Redis node or Memcached server, started as `cache/<host:port>` so `events$` and
 * status show which node is down. Drivers report their own events ({@link NodeSignal}); this
 * turns them into `DRIVER.*` events, and the nodes' states into the layer's health:
 * `up` when every node is up, `degraded` when some are, `down` when none is.
 */
export class NodeConnections {
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly health = new BehaviorSubject<LayerHealth>({ status: 'up' });

  /** Health changes (only changes), for `ResourceLayer.health$`. */
  public readonly health$: Observable<LayerHealth>;

  public constructor(private readonly ctx: RuntimeContext) {
    this.health$ = this.health.pipe(
      distinctUntilChanged((a, b) => a.status === b.status && describe(a) === describe(b)),
    );
  }

  /** The driver's callback: feed it every node event. */
  public readonly observe: NodeObserver = (address, signal, error) => {
    if (signal === 'removed') {
      this.remove(address);
      return;
    }
    let record = this.nodes.get(address);
    // A final machine (`failed`, `closed`) is never reused: a node that comes back gets a new one.
    if (!record || record.actor.getSnapshot().status !== 'active') {
      if (signal !== 'ready' && record) {
        // Still down: nothing new to say beyond the last error.
        return;
      }
      record = this.create(address);
    }
    record.actor.send(toEvent(signal, error, this.ctx));
    this.refresh(address, record);
  };

  /** Registers a node before the driver reports on it (it shows as `creating`). */
  public track(address: string): void {
    if (!this.nodes.has(address)) {
      this.create(address);
      this.publish();
    }
  }

  /** Forgets nodes that are not in `addresses` and are not up (they left the topology). */
  public retain(addresses: ReadonlySet<string>): void {
    for (const [address, record] of this.nodes) {
      if (!addresses.has(address) && !UP.has(record.state)) this.remove(address);
    }
  }

  /** Every node's state, by address. */
  public snapshot(): Readonly<Record<string, CacheNodeStatus>> {
    const out: Record<string, CacheNodeStatus> = {};
    for (const [address, record] of this.nodes) {
      const context = record.actor.getSnapshot().context;
      out[address] = {
        state: record.state,
        since: record.since,
        reconnects: context.reconnects,
        ...(context.lastError !== undefined ? { lastError: context.lastError } : {}),
      };
    }
    return out;
  }

  /** Addresses of nodes that are not up. */
  public down(): string[] {
    return [...this.nodes].filter(([, r]) => !UP.has(r.state)).map(([a]) => a);
  }

  /** The layer's health from the nodes' states. */
  public current(): LayerHealth {
    return this.health.value;
  }

  /**
   * Retires every node machine (the driver has closed its connections). Health is left as it
   * was: the layer is stopping, and a later start reports afresh.
   */
  public stop(): void {
    for (const record of this.nodes.values()) retire(record.actor, 'drain');
    this.nodes.clear();
  }

  private create(address: string): NodeRecord {
    const previous = this.nodes.get(address);
    previous?.actor.stop();
    const actor = startMachine(this.ctx, connectionMachine, { source: `cache/${address}`, input: { id: address } });
    const record: NodeRecord = { actor, state: String(actor.getSnapshot().value), since: this.ctx.clock.now() };
    this.nodes.set(address, record);
    return record;
  }

  private remove(address: string): void {
    const record = this.nodes.get(address);
    if (!record) return;
    retire(record.actor, 'removed');
    this.nodes.delete(address);
    this.publish();
  }

  private refresh(address: string, record: NodeRecord): void {
    const state = String(record.actor.getSnapshot().value);
    if (state === record.state) return;
    const wasDown = !UP.has(record.state) && record.state !== 'creating';
    record.state = state;
    record.since = this.ctx.clock.now();
    if (!UP.has(state)) this.ctx.logger.warn(`cache: node ${address} is ${state}`);
    else if (wasDown) this.ctx.logger.info(`cache: node ${address} is up again`);
    else this.ctx.logger.debug(`cache: node ${address} is up`);
    this.publish();
  }

  private publish(): void {
    const total = this.nodes.size;
    const down = this.down();
    let next: LayerHealth;
    if (total === 0 || down.length === 0) next = { status: 'up' };
    else if (down.length === total)
      next = { status: 'down', error: new Error(`every cache node is down: ${this.describeDown(down)}`) };
    else next = { status: 'degraded', reason: `cache nodes down: ${this.describeDown(down)}` };
    this.health.next(next);
  }

  private describeDown(addresses: readonly string[]): string {
    return addresses.map((a) => `${a} (${this.nodes.get(a)?.state ?? '?'})`).join(', ');
  }
}

/** What a node that stopped answering records as its last error (signal `unresponsive`). */
export function notAnswering(timeoutMs: number): Error {
  return new Error(
    `no answer within ${timeoutMs} ms (cache.timeout): the connection is open but the server does not answer`,
  );
}

/** Ends a node's machine on purpose: `RETIRE` then the driver's end → `closed`. */
function retire(actor: ConnectionActor, reason: string): void {
  if (actor.getSnapshot().status === 'active') {
    actor.send({ type: 'RETIRE', reason });
    actor.send({ type: 'DRIVER.END' });
  }
  actor.stop();
}

function toEvent(signal: Exclude<NodeSignal, 'removed'>, error: unknown, ctx: RuntimeContext): ConnectionEvent {
  const message = (): string => ctx.secrets.scrub(error instanceof Error ? error.message : String(error));
  switch (signal) {
    case 'ready':
      return { type: 'DRIVER.READY' };
    case 'reconnecting':
      return { type: 'DRIVER.RECONNECTING' };
    case 'closed':
      return { type: 'DRIVER.CLOSED' };
    case 'end':
      return { type: 'DRIVER.END' };
    case 'error':
      return { type: 'DRIVER.ERROR', error: message() };
    case 'unresponsive':
      return { type: 'DRIVER.TIMEOUT', error: message() };
  }
}

function describe(h: LayerHealth): string {
  return h.status === 'degraded' ? h.reason : h.status === 'down' ? h.error.message : '';
}
