import { PoolRecoveringError } from '../errors/pool-recovering-error.js';
import { unrefTimer } from '../kernel/clock.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { ResolvedPoolOptions } from './pool-options.js';
import { RecoveryBackoff } from './recovery-backoff.js';

/** The options {@link PoolRecovery} reads. */
type RecoveryOptions = Pick<
  ResolvedPoolOptions<unknown>,
  'name' | 'recoveryInitialDelayMs' | 'recoveryMaxDelayMs' | 'random'
>;

/**
 * A pool's recovery while its resource is down (no connection could be opened and none is
 * left): acquires fail fast with {@link PoolRecoveringError} while a single background probe
 * opens a connection, after delays that double up to `recovery.maxDelayMs` (see
 * {@link RecoveryBackoff}). The pool switches its state; this class times the probes and says
 * so in the log and on the event bus (`recovering`, `recovered` on `pool.<name>`).
 */
export class PoolRecovery {
  private readonly backoff: RecoveryBackoff;
  private readonly source: string;

  public constructor(
    private readonly ctx: RuntimeContext,
    private readonly o: RecoveryOptions,
    /** Opens one connection, if the pool still recovers; its outcome is reported back. */
    private readonly probe: () => void,
  ) {
    this.backoff = new RecoveryBackoff(o.recoveryInitialDelayMs, o.recoveryMaxDelayMs, o.random);
    this.source = `pool.${o.name}`;
  }

  /** The resource went down: remembers why and since when, and schedules the first probe. */
  public start(error: unknown, message: string): void {
    this.backoff.start(this.ctx.clock.now(), error, message);
    this.scheduleProbe();
    this.ctx.logger.warn(
      `pool ${this.o.name}: cannot open connections (${message}); acquires fail fast while one probe reconnects in the background`,
      { pool: this.o.name },
    );
    this.ctx.events.emit(this.source, 'recovering', { error: message });
  }

  /** A probe failed: the next one comes after a longer delay. */
  public failed(error: unknown, message: string): void {
    this.backoff.failed(error, message);
    this.scheduleProbe();
  }

  /** A probe connected: the pool is open again. */
  public recovered(): void {
    const downMs = this.ctx.clock.now() - this.backoff.since;
    this.backoff.reset();
    this.ctx.logger.info(`pool ${this.o.name}: connected again after ${(downMs / 1000).toFixed(1)} s`, {
      pool: this.o.name,
    });
    this.ctx.events.emit(this.source, 'recovered', { downMs });
  }

  /** The error acquires fail with while recovering: since when, why, when the next probe runs. */
  public error(): PoolRecoveringError {
    const b = this.backoff;
    return new PoolRecoveringError(this.o.name, b.since, b.probeAt, b.message, { cause: b.cause });
  }

  /** Clears a pending probe (on close). */
  public cancel(): void {
    if (this.backoff.timer !== undefined) this.ctx.clock.clearTimeout(this.backoff.timer);
  }

  private scheduleProbe(): void {
    const delay = this.backoff.nextDelay(this.ctx.clock.now());
    // The timer does not keep the process alive on its own.
    const timer = this.ctx.clock.setTimeout(() => {
      this.backoff.timer = undefined;
      this.probe();
    }, delay);
    unrefTimer(timer);
    this.backoff.timer = timer;
  }
}
