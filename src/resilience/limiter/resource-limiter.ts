import type { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.js';
import { sleep, systemClock, type Clock } from '../../kernel/clock.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { LimitSettings } from './limit-settings.js';
import { LocalLimits } from './local-limits.js';
import { isNoScript, SharedAdmission, type AdmitVerdict } from './shared-limit-script.js';

/** Counts of a limiter, for metrics. */
export interface LimiterCounts {
  readonly queued: number;
  readonly running: number;
}

/** The Redis side of shared limits: one ioredis client, shared by every resource's limiter. */
export interface SharedLimiterConnection {
  readonly client: Redis;
  readonly keyPrefix: string;
}

/** What runs jobs in this process: the semaphore, or the clock-driven limits. */
type LocalLimiter = { kind: 'gate'; gate: ConcurrencyGate } | { kind: 'limits'; limits: LocalLimits };

let leaseSequence = 0;
const LEASE_OWNER = `${process.pid}.${Math.random().toString(36).slice(2, 8)}`;

/**
 * Concurrency and rate limits of one resource. In process: `max_concurrent` alone is a
 * {@link ConcurrencyGate}; with `min_time` or a reservoir, {@link LocalLimits} (no timer per
 * call). With a shared connection the limits hold across every process using the same key
 * prefix: each call is admitted by one Lua script in Redis (`shared-limit-script.ts`: leases for
 * `max_concurrent`, the next start for `min_time`, the reservoir's count), one round trip per admitted
 * call; a lease is given back without waiting for the answer. While Redis is not ready, or when
 * the script cannot run, the call runs through the local limiter with the same settings instead
 * (limits then hold per process).
 */
export class ResourceLimiter {
  private readonly local: LocalLimiter;
  private readonly sharedClient: Redis | undefined;
  private readonly admission: SharedAdmission | undefined;
  /** Whether admissions take a lease (`max_concurrent`), to be given back after the call. */
  private readonly leases: boolean;
  private sharedRunning = 0;
  private sharedWaiting = 0;
  private sharedDown = false;
  private stopping = false;

  public constructor(
    private readonly resource: string,
    settings: LimitSettings,
    connection: SharedLimiterConnection | undefined,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    if (settings.maxConcurrent !== undefined && settings.minTimeMs === 0 && settings.reservoir === undefined) {
      this.local = { kind: 'gate', gate: new ConcurrencyGate(settings.maxConcurrent) };
    } else {
      this.local = { kind: 'limits', limits: new LocalLimits(settings, clock) };
    }
    this.leases = settings.maxConcurrent !== undefined;
    if (connection && settings.shared) {
      this.sharedClient = connection.client;
      const base = `${connection.keyPrefix}limiter:${resource}`;
      this.admission = new SharedAdmission(connection.client, (name) => `${base}:${name}`, settings);
      connection.client.on('close', () => {
        if (!this.stopping) this.noteSharedDown(new Error('connection to Redis closed'));
      });
      connection.client.on('ready', () => {
        this.sharedDown = false;
      });
    }
  }

  /** Whether calls are limited through Redis (when it is reachable). */
  public get shared(): boolean {
    return this.sharedClient !== undefined;
  }

  /**
   * Runs `job` when the limits allow. The job's own rejection passes through unchanged. `signal`
   * lets a call waiting for its turn give up.
   */
  public schedule<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const admission = this.admission;
    if (admission && this.sharedClient?.status === 'ready' && !this.stopping)
      return this.runShared(admission, job, signal);
    return this.runLocally(job, signal);
  }

  private runLocally<T>(job: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const local = this.local;
    return local.kind === 'gate' ? local.gate.schedule(job, signal) : local.limits.schedule(job, signal);
  }

  private async runShared<T>(
    admission: SharedAdmission,
    job: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const lease = this.leases ? `${LEASE_OWNER}.${++leaseSequence}` : '';
    for (let waited = false; ; waited = true) {
      let verdict: AdmitVerdict | undefined;
      try {
        verdict = await admission.admit(lease);
      } catch (error) {
        verdict = await this.admitAfter(error, admission, lease);
      }
      if (verdict === undefined || verdict === 0) {
        if (waited) this.sharedWaiting--;
        if (verdict === undefined) return this.runLocally(job, signal);
        break;
      }
      if (!waited) this.sharedWaiting++;
      try {
        await sleep(this.clock, verdict, signal);
      } catch (reason) {
        this.sharedWaiting--;
        throw reason;
      }
    }
    this.sharedRunning++;
    try {
      return await job();
    } finally {
      this.sharedRunning--;
      // The lease lapses by itself (LEASE_MS) if this never arrives.
      if (this.leases) admission.release(lease);
    }
  }

  /**
   * An admission failed: Redis did not know the script (sent again, with the script itself), or
   * could not run it. Undefined when the call must run under the local limits.
   */
  private async admitAfter(
    error: unknown,
    admission: SharedAdmission,
    lease: string,
  ): Promise<AdmitVerdict | undefined> {
    if (isNoScript(error)) {
      try {
        return await admission.admit(lease, true);
      } catch (again) {
        error = again;
      }
    }
    this.noteSharedDown(error);
    return undefined;
  }

  /**
   * Resolves true once the shared limiter's Redis connection is ready, false when it has none or
   * Redis did not answer within `timeoutMs` (jobs then run under local limits).
   */
  public async ready(timeoutMs = 3000): Promise<boolean> {
    const client = this.sharedClient;
    if (!client) return false;
    if (client.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      client.on('ready', onReady);
    });
  }

  /** Jobs waiting and running in this process. */
  public counts(): LimiterCounts {
    const local =
      this.local.kind === 'gate'
        ? { queued: this.local.gate.queued, running: this.local.gate.running }
        : this.local.limits.counts();
    return { queued: local.queued + this.sharedWaiting, running: local.running + this.sharedRunning };
  }

  /** Stops sending calls to Redis; calls still waiting give up through their signals. */
  public async stop(): Promise<void> {
    this.stopping = true;
  }

  private noteSharedDown(error: unknown): void {
    if (this.sharedDown) return;
    this.sharedDown = true;
    this.logger.warn(`shared rate limit of ${this.resource} unavailable; limiting per process until Redis is back`, {
      error,
    });
  }
}
