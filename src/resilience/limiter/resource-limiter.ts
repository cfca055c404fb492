import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.js';
import type { LimitSettings } from './limit-settings.js';

/** Counts of a limiter, for metrics. */
export interface LimiterCounts {
  readonly queued: number;
  readonly running: number;
}

/** The Redis side of shared limits: one ioredis client (bottleneck duplicates it for pub/sub). */
export interface SharedLimiterConnection {
  readonly client: Redis;
  readonly connection: Bottleneck.IORedisConnection;
  readonly keyPrefix: string;
}

/**
 * Concurrency and rate limits of one resource, by bottleneck. With a shared connection the
 * limits hold across every process using the same key prefix (bottleneck's Redis clustering
 * through ioredis); while Redis is not ready, or when bottleneck cannot reach it for a job, the
 * job runs through a local limiter with the same settings instead (limits then hold per
 * process).
 */
export class ResourceLimiter {
  private readonly local: Bottleneck;
  private readonly shared: Bottleneck | undefined;
  private readonly sharedClient: Redis | undefined;
  private sharedDown = false;

  public constructor(
    private readonly resource: string,
    settings: LimitSettings,
    connection: SharedLimiterConnection | undefined,
    private readonly logger: Logger,
  ) {
    const options: Bottleneck.ConstructorOptions = {
      maxConcurrent: settings.maxConcurrent ?? null,
      minTime: settings.minTimeMs,
      reservoir: settings.reservoir ?? null,
      reservoirRefreshInterval: settings.reservoirRefreshIntervalMs ?? null,
      reservoirRefreshAmount: settings.reservoirRefreshAmount ?? null,
    };
    this.local = new Bottleneck(options);
    this.local.on('error', (error: unknown) => logger.warn(`rate limiter of ${resource} failed`, { error }));
    if (connection && settings.shared) {
      this.sharedClient = connection.client;
      this.shared = new Bottleneck({
        ...options,
        id: `${connection.keyPrefix}limiter:${resource}`,
        datastore: 'ioredis',
        connection: connection.connection,
        clearDatastore: false,
      });
      this.shared.on('error', (error: unknown) => this.noteSharedDown(error));
      // Apply this process's settings to the shared limiter (the first process created it).
      this.shared.ready().then(
        () => this.shared?.updateSettings(options),
        (error: unknown) => this.noteSharedDown(error),
      );
    }
  }

  /** Runs `job` when the limits allow. The job's own rejection passes through unchanged. */
  public schedule<T>(job: () => Promise<T>): Promise<T> {
    const shared = this.shared;
    if (shared && this.sharedClient?.status === 'ready') {
      let started = false;
      return shared
        .schedule(() => {
          started = true;
          return job();
        })
        .then(
          (value) => {
            this.sharedDown = false;
            return value;
          },
          (error: unknown) => {
            if (started) throw error;
            this.noteSharedDown(error);
            return this.local.schedule(job);
          },
        );
    }
    return this.local.schedule(job);
  }

  /** Jobs waiting and running in this process. */
  public counts(): LimiterCounts {
    const local = this.local.counts();
    const shared = this.shared?.counts();
    return {
      queued: local.QUEUED + (shared?.QUEUED ?? 0),
      running: local.RUNNING + local.EXECUTING + (shared ? shared.RUNNING + shared.EXECUTING : 0),
    };
  }

  /** Stops accepting jobs; queued jobs are dropped. */
  public async stop(): Promise<void> {
    await Promise.allSettled([
      this.local.stop({ dropWaitingJobs: true }),
      ...(this.shared ? [this.shared.stop({ dropWaitingJobs: true })] : []),
    ]);
  }

  private noteSharedDown(error: unknown): void {
    if (this.sharedDown) return;
    this.sharedDown = true;
    this.logger.warn(`shared rate limit of ${this.resource} unavailable; limiting per process until Redis is back`, { error });
  }
}
