import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.js';
import { ConcurrencyGate } from './concurrency-gate.js';
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

/** What runs jobs in this process: the semaphore or a local bottleneck. */
type LocalLimiter = { kind: 'gate'; gate: ConcurrencyGate } | { kind: 'bottleneck'; limiter: Bottleneck };

/**
 * Concurrency and rate limits of one resource. In process: `max_concurrent` alone is a
 * {@link ConcurrencyGate}; with `min_time` or a reservoir, bottleneck. With a shared connection
 * the limits hold across every process using the same key prefix (bottleneck's Redis clustering
 * through ioredis); while Redis is not ready, or when bottleneck cannot reach it for a job, the
 * job runs through the local limiter with the same settings instead (limits then hold per
 * process).
 */
export class ResourceLimiter {
  private readonly local: LocalLimiter;
  /** The limiter shared through Redis, when there is one. */
  public readonly shared: Bottleneck | undefined;
  private readonly sharedClient: Redis | undefined;
  private sharedDown = false;
  private stopping = false;

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
    if (settings.maxConcurrent !== undefined && settings.minTimeMs === 0 && settings.reservoir === undefined) {
      this.local = { kind: 'gate', gate: new ConcurrencyGate(settings.maxConcurrent) };
    } else {
      const limiter = new Bottleneck(options);
      limiter.on('error', (error: unknown) => logger.warn(`rate limiter of ${resource} failed`, { error }));
      this.local = { kind: 'bottleneck', limiter };
    }
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
      connection.client.on('close', () => {
        if (!this.stopping) this.noteSharedDown(new Error('connection to Redis closed'));
      });
      connection.client.on('ready', () => {
        this.sharedDown = false;
      });
      // Apply this process's settings to the shared limiter (the first process created it).
      this.shared.ready().then(
        () => this.shared?.updateSettings(options),
        (error: unknown) => this.noteSharedDown(error),
      );
    }
  }

  /**
   * Runs `job` when the limits allow. The job's own rejection passes through unchanged. `signal`
   * lets a call waiting for an in-process slot give up (bottleneck's queues do not take one).
   */
  public schedule<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const shared = this.shared;
    if (shared && this.sharedClient?.status === 'ready') {
      let started = false;
      return shared
        .schedule(() => {
          started = true;
          return job();
        })
        .then(
          (value) => value,
          (error: unknown) => {
            if (started) throw error;
            this.noteSharedDown(error);
            return this.runLocally(job, signal);
          },
        );
    }
    return this.runLocally(job, signal);
  }

  private runLocally<T>(job: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const local = this.local;
    return local.kind === 'gate' ? local.gate.schedule(job, signal) : local.limiter.schedule(job);
  }

  /**
   * Resolves true once the shared limiter is connected to Redis, false when it has none or Redis
   * did not answer within `timeoutMs` (jobs then run under local limits).
   */
  public async ready(timeoutMs = 3000): Promise<boolean> {
    const shared = this.shared;
    if (!shared) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const ok = await Promise.race([shared.ready().then(() => this.sharedClient?.status === 'ready', () => false), timeout]);
    clearTimeout(timer);
    return ok;
  }

  /** Jobs waiting and running in this process. */
  public counts(): LimiterCounts {
    const shared = this.shared?.counts();
    let queued = shared?.QUEUED ?? 0;
    let running = shared ? shared.RUNNING + shared.EXECUTING : 0;
    if (this.local.kind === 'gate') {
      queued += this.local.gate.queued;
      running += this.local.gate.running;
    } else {
      const local = this.local.limiter.counts();
      queued += local.QUEUED;
      running += local.RUNNING + local.EXECUTING;
    }
    return { queued, running };
  }

  /** Stops accepting jobs; queued jobs are dropped. */
  public async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([
      ...(this.local.kind === 'bottleneck' ? [this.local.limiter.stop({ dropWaitingJobs: true })] : []),
      ...(this.shared ? [this.shared.stop({ dropWaitingJobs: true })] : []),
    ]);
  }

  private noteSharedDown(error: unknown): void {
    if (this.sharedDown) return;
    this.sharedDown = true;
    this.logger.warn(`shared rate limit of ${this.resource} unavailable; limiting per process until Redis is back`, { error });
  }
}
