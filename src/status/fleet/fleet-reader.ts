import { Redis } from 'ioredis';
import { isFleetInstance, type FleetInstance } from './fleet-instance.js';
import { fleetRedisOptions } from './fleet-redis-options.js';
import type { FleetSettings } from './fleet-settings.js';

/**
 * Lists the instances of a fleet: every live heartbeat key of the service (SCAN, then MGET), in
 * instance order. One connection, opened on first use.
 */
export class FleetReader {
  private client: Redis | undefined;

  public constructor(private readonly settings: Pick<FleetSettings, 'redis' | 'keyPrefix'>) {}

  /**
   * Every instance whose heartbeat has not expired.
   *
   * @throws Error when Redis cannot be reached (the message names host and port).
   */
  public async list(): Promise<FleetInstance[]> {
    if (!this.client) {
      this.client = new Redis({
        ...fleetRedisOptions(this.settings.redis),
        connectionName: 'stator-fleet-reader',
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        commandTimeout: 2000,
      });
      // Failures reach the caller through the rejected command.
      this.client.on('error', () => undefined);
    }
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.client.scan(
        cursor,
        'MATCH',
        `${escapeGlob(this.settings.keyPrefix)}*`,
        'COUNT',
        200,
      );
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.client.mget(...keys);
    const instances: FleetInstance[] = [];
    for (const value of values) {
      if (value === null) continue; // expired between SCAN and MGET
      try {
        const parsed: unknown = JSON.parse(value);
        if (isFleetInstance(parsed)) instances.push(parsed);
      } catch {
        // not a heartbeat: skipped
      }
    }
    return instances.sort((a, b) => a.instance.localeCompare(b.instance));
  }

  /** Closes the connection. */
  public close(): void {
    this.client?.disconnect();
    this.client = undefined;
  }
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
