import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Observable, Subscription } from 'rxjs';
import { unrefTimer, type Clock } from '../../kernel/clock.js';
import type { Logger } from '../../logging/logger.js';
import type { StatusSnapshot } from '../status-manager.js';
import { fleetInstance, type FleetInstance } from './fleet-instance.js';
import { fleetRedisOptions } from './fleet-redis-options.js';
import type { FleetSettings } from './fleet-settings.js';

/** How long stop() waits for Redis to delete the heartbeat. */
const LEAVE_WAIT_MS = 250;

/**
 * Publishes this instance's status to Redis every `fleet.interval` (and at once on each status
 * change), as `<prefix>fleet:<service>:<instance>` with a time to live of `interval * missed`: an
 * instance that dies drops out of the fleet when its key expires; one that stops deletes it.
 *
 * Redis being down costs nothing but the missing heartbeat: the connection fails fast
 * (no offline queue), reconnects in the background, and the next beat goes out once it is back.
 */
export class FleetHeartbeat {
  private readonly client: Redis;
  private readonly key: string;
  private readonly base: Pick<FleetInstance, 'service' | 'instance' | 'host' | 'pid' | 'startedAt'>;
  private timer: unknown;
  private subscription: Subscription | undefined;
  private latest: StatusSnapshot | undefined;
  private stopped = false;

  public constructor(
    private readonly settings: FleetSettings,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.client = new Redis({
      ...fleetRedisOptions(settings.redis),
      connectionName: 'stator-fleet',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 2000,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    });
    this.client.on('error', (error: Error) =>
      this.logger.debug('stator fleet: heartbeat connection', { error: error.message }),
    );
    this.key = `${settings.keyPrefix}${settings.instance}`;
    // Wall-clock times: other hosts read them, and Redis expires the key on its own clock.
    this.base = {
      service: settings.service,
      instance: settings.instance,
      host: hostname(),
      pid: process.pid,
      startedAt: Date.now(),
    };
  }

  /** Starts beating with the snapshots of `status$`. */
  public start(status$: Observable<StatusSnapshot>): void {
    this.subscription = status$.subscribe({
      next: (s) => {
        const changed = this.latest?.status !== s.status || this.latest?.supervisor !== s.supervisor;
        this.latest = s;
        if (changed) void this.beat();
      },
      error: () => undefined,
    });
    this.client.on('ready', () => void this.beat());
    const loop = (): void => {
      this.timer = this.clock.setTimeout(() => {
        void this.beat().finally(() => {
          if (!this.stopped) loop();
        });
      }, this.settings.intervalMs);
      unrefTimer(this.timer);
    };
    loop();
  }

  /** Leaves the fleet: deletes the key and closes the connection. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.subscription?.unsubscribe();
    if (this.client.status === 'ready') {
      // Leave at once when Redis answers; a frozen Redis must not hold up stop() (the key expires anyway).
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, LEAVE_WAIT_MS)));
      await Promise.race([this.client.del(this.key).catch(() => undefined), gaveUp]);
      clearTimeout(timer);
    }
    this.client.disconnect();
  }

  private async beat(): Promise<void> {
    if (this.stopped || !this.latest || this.client.status !== 'ready') return;
    const heartbeat = fleetInstance(this.base, this.latest, Date.now());
    try {
      await this.client.set(this.key, JSON.stringify(heartbeat), 'PX', this.settings.ttlMs);
    } catch (error) {
      this.logger.debug('stator fleet: heartbeat not published', { error: (error as Error).message });
    }
  }
}
