import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.js';
import { coordinationOptions, type SharedRedisSettings } from './redis-settings.js';

/** A breaker transition as published to the other processes. */
export interface SharedBreakerMessage {
  /** The publishing process (its own messages are ignored). */
  readonly origin: string;
  readonly name: string;
  readonly state: 'open' | 'closed' | 'isolated';
  /** While open: ms until the publisher half-opens. */
  readonly delayMs?: number;
  readonly trips?: number;
}

/** What a watcher is told: the state another process (or the stored key) says the breaker is in. */
export type RemoteBreakerState = Pick<SharedBreakerMessage, 'state' | 'delayMs' | 'trips'>;

/**
 * Breaker state shared through Redis, so that a breaker tripping in one process opens in every
 * process of the service:
 * - each transition to open, closed or isolated is published on `<prefix>breaker` and stored
 *   under `<prefix>breaker:<name>` (open: with a time to live of the reset timeout, so the key
 *   disappears when the breaker would half-open; isolated: without; closed: deleted);
 * - a process that starts later, or reconnects after an outage, reads the keys.
 *
 * Consistency: eventual, at Redis pub/sub speed (typically under a millisecond on a LAN). Calls
 * already in flight in other processes finish; half-open trials run in each process on its own
 * timer and the first to close tells the rest. While Redis is down, each process keeps its own
 * breaker (the local one is always authoritative for its own calls) and catches up on reconnect.
 */
export class SharedBreakerState {
  public readonly instanceId = randomUUID();
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly watchers = new Map<string, (state: RemoteBreakerState) => void>();
  private down = false;
  private stopping = false;
  private readonly connected: Promise<boolean>;

  public constructor(
    private readonly settings: SharedRedisSettings,
    private readonly logger: Logger,
  ) {
    this.channel = `${settings.keyPrefix}breaker`;
    this.client = new Redis(coordinationOptions(settings, 'stator-breaker'));
    this.subscriber = new Redis({
      ...coordinationOptions(settings, 'stator-breaker-sub'),
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    this.client.on('error', (error: Error) => this.noteDown(error));
    this.client.on('close', () => {
      if (!this.stopping)
        this.noteDown(
          new Error(`connection to Redis at ${String(settings.options.host)}:${String(settings.options.port)} closed`),
        );
    });
    this.subscriber.on('error', (error: Error) => this.noteDown(error));
    this.client.on('ready', () => {
      this.down = false;
      for (const name of this.watchers.keys()) void this.catchUp(name);
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    const subscribed = this.subscriber.subscribe(this.channel).then(
      () => true,
      (error: unknown) => {
        this.noteDown(error);
        return false;
      },
    );
    const clientReady = new Promise<boolean>((resolve) => {
      if (this.client.status === 'ready') resolve(true);
      else this.client.once('ready', () => resolve(true));
    });
    this.connected = Promise.all([subscribed, clientReady]).then(([a, b]) => a && b);
  }

  /**
   * Resolves true once this process follows the shared state (subscribed, and the stored state of
   * the breakers watched so far read), or false if Redis did not answer within `timeoutMs`
   * (breakers then work locally and catch up when Redis comes back).
   */
  public async ready(timeoutMs = 3000): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const ok = await Promise.race([this.connected, timeout]);
    clearTimeout(timer);
    if (ok) await Promise.all([...this.watchers.keys()].map((name) => this.catchUp(name)));
    return ok;
  }

  /** Follows the breaker `name`: `onRemote` receives other processes' transitions, and the stored state now. */
  public watch(name: string, onRemote: (state: RemoteBreakerState) => void): void {
    this.watchers.set(name, onRemote);
    if (this.client.status === 'ready') void this.catchUp(name);
  }

  /** Announces a local transition. Never throws; while Redis is down the announcement is lost. */
  public publish(name: string, state: 'open' | 'closed' | 'isolated', delayMs = 0, trips = 0): void {
    if (this.client.status !== 'ready') return;
    const message: SharedBreakerMessage = {
      origin: this.instanceId,
      name,
      state,
      ...(state === 'open' ? { delayMs, trips } : {}),
    };
    const payload = JSON.stringify(message);
    const key = this.key(name);
    const tx = this.client.multi();
    if (state === 'closed') tx.del(key);
    else if (state === 'open') tx.set(key, payload, 'PX', Math.max(1, Math.ceil(delayMs)));
    else tx.set(key, payload);
    tx.publish(this.channel, payload);
    tx.exec().catch((error: unknown) => this.noteDown(error));
  }

  /** Closes both connections. */
  public async stop(): Promise<void> {
    this.stopping = true;
    this.watchers.clear();
    await Promise.allSettled([quit(this.client), quit(this.subscriber)]);
  }

  private async catchUp(name: string): Promise<void> {
    try {
      const key = this.key(name);
      const [[, raw], [, ttl]] = ((await this.client.multi().get(key).pttl(key).exec()) ?? []) as [
        [unknown, unknown],
        [unknown, unknown],
      ];
      if (typeof raw !== 'string') return;
      const stored = JSON.parse(raw) as SharedBreakerMessage;
      const watcher = this.watchers.get(name);
      if (!watcher) return;
      if (stored.state === 'open' && typeof ttl === 'number' && ttl > 0)
        watcher({ state: 'open', delayMs: ttl, trips: stored.trips ?? 1 });
      else if (stored.state === 'isolated') watcher({ state: 'isolated' });
    } catch (error) {
      this.noteDown(error);
    }
  }

  private receive(raw: string): void {
    let message: SharedBreakerMessage;
    try {
      message = JSON.parse(raw) as SharedBreakerMessage;
    } catch {
      return;
    }
    if (message.origin === this.instanceId) return;
    const watcher = this.watchers.get(message.name);
    if (!watcher) return;
    watcher({
      state: message.state,
      ...(message.delayMs !== undefined ? { delayMs: message.delayMs } : {}),
      ...(message.trips !== undefined ? { trips: message.trips } : {}),
    });
  }

  private key(name: string): string {
    return `${this.settings.keyPrefix}breaker:${name}`;
  }

  private noteDown(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      'shared circuit-breaker state unavailable (Redis); each process keeps its own breakers until it is back',
      { error },
    );
  }
}

async function quit(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
