import { BehaviorSubject, type Observable } from 'rxjs';
import { fromPromise, type Actor, type SnapshotFrom } from 'xstate';
import { circuitBreakerMachine, resetDelayMs } from '../../../machines/circuit-breaker.machine.js';
import { CircuitOpenError } from '../../errors/circuit-open-error.js';
import { startMachine } from '../../kernel/actor.js';
import type { RuntimeContext } from '../../kernel/context.js';
import type { ErrorClassification } from '../detector/error-kind.js';
import type { BreakerHandle, BreakerState, BreakerStateName } from './breaker-handle.js';
import type { BreakerSettings } from './breaker-settings.js';
import { SlidingWindow } from './sliding-window.js';

/**
 * What {@link CircuitBreaker.allow} hands out: an ordinary call of a closed breaker (the number of
 * that closed period, 0 or more: its outcome goes to the sliding window), or {@link TRIAL}.
 */
export type Permit = number;
/** A half-open trial call: its outcome goes to the machine. */
export const TRIAL = -2;
/** What {@link CircuitBreaker.permit} returns for a refused call. */
export const REFUSED = -1;

/** A transition, as the breaker reports it to the pipeline (events, metrics, shared state). */
export interface BreakerTransition {
  readonly from: BreakerStateName;
  readonly to: BreakerStateName;
  readonly reason: string;
  readonly trips: number;
  /** While open: ms until the next half-open attempt. */
  readonly delayMs?: number;
}

type BreakerActor = Actor<typeof circuitBreakerMachine>;

/**
 * One resource's circuit breaker: the hot-path half (a state field read per call, a
 * {@link SlidingWindow} that counts outcomes) in front of the `circuitBreaker` machine, which
 * receives an event only when the state changes (a trip, a trial result, isolate/reset, a
 * transition announced by another process).
 */
export class CircuitBreaker implements BreakerHandle {
  public state: BreakerStateName = 'closed';
  public nextAttemptAt: number | undefined;
  /** Calls refused (open, isolated, or half-open with the trial slots taken). */
  public rejected = 0;
  /** Transitions into each state. */
  public readonly transitions: Record<BreakerStateName, number> = { closed: 0, open: 0, halfOpen: 0, isolated: 0 };
  public readonly state$: Observable<BreakerState>;
  /** True when outcomes need the call's start time (the slow-call rule is on). */
  public readonly timesCalls: boolean;

  private readonly window: SlidingWindow;
  private readonly actor: BreakerActor;
  private readonly subject: BehaviorSubject<BreakerState>;
  private probeFn: ((signal: AbortSignal) => Promise<void>) | undefined;
  private trialsInFlight = 0;
  /** Which closed period this is (counted from 0): ordinary permits carry it. */
  private closedPeriod = 0;
  /** Counted failures in a row while closed (reset by any success). */
  private consecutive = 0;
  private readonly slowMs: number;
  private readonly minimumCalls: number;
  private readonly threshold: number;
  private readonly slowRatio: number;

  public constructor(
    private readonly ctx: RuntimeContext,
    public readonly name: string,
    private readonly settings: BreakerSettings,
    private readonly onTransition: (transition: BreakerTransition) => void,
  ) {
    const now = ctx.clock.now();
    this.window = new SlidingWindow(settings.windowMs, settings.buckets, now);
    this.slowMs = settings.slowCallMs;
    this.timesCalls = settings.slowCallMs > 0;
    this.minimumCalls = settings.minimumCalls;
    this.threshold = settings.threshold;
    this.slowRatio = settings.slowCallRatio;
    this.subject = new BehaviorSubject<BreakerState>({
      name,
      state: 'closed',
      since: now,
      trips: 0,
      reason: 'initial',
    });
    this.state$ = this.subject.asObservable();
    const machine = circuitBreakerMachine.provide({
      actors: {
        probe: fromPromise<void, { name: string }>(({ signal }) => {
          const probe = this.probeFn;
          return probe ? probe(signal) : Promise.reject(new Error(`no probe for ${name}`));
        }),
      },
      guards: {
        usesProbe: () => this.settings.probe && this.probeFn !== undefined,
      },
    });
    this.actor = startMachine(ctx, machine, {
      source: `breaker.${name}`,
      input: {
        name,
        resetTimeoutMs: settings.resetTimeoutMs,
        resetBackoff: settings.resetBackoff,
        maxResetTimeoutMs: settings.maxResetTimeoutMs,
        trialTimeoutMs: settings.trialTimeoutMs,
        halfOpenCalls: settings.halfOpenCalls,
        useProbe: settings.probe,
      },
    });
    this.actor.subscribe((snapshot) => this.observe(snapshot));
  }

  /** Sets (or replaces) the probe used in halfOpen. */
  public setProbe(probe: ((signal: AbortSignal) => Promise<void>) | undefined): void {
    this.probeFn = probe;
  }

  /**
   * Lets a call through, or throws {@link CircuitOpenError}. Closed: one field read.
   *
   * @throws {@link CircuitOpenError} when open, isolated, or half-open without a free trial slot.
   */
  public allow(): Permit {
    const permit = this.permit();
    if (permit === REFUSED) throw this.refusal();
    return permit;
  }

  /**
   * {@link CircuitBreaker.allow} without the throw: {@link REFUSED} when the call is refused
   * (counted), then {@link CircuitBreaker.refusal} is the error to fail it with. An open breaker
   * refuses every call of an outage, and the pipeline rejects them without a throw.
   */
  public permit(): Permit | typeof REFUSED {
    if (this.state === 'closed') return this.closedPeriod;
    if (
      this.state === 'halfOpen' &&
      !(this.settings.probe && this.probeFn) &&
      this.trialsInFlight < this.settings.halfOpenCalls
    ) {
      this.trialsInFlight++;
      return TRIAL;
    }
    this.rejected++;
    return REFUSED;
  }

  /**
   * The permit an ordinary call would get now without taking one: the closed period's number
   * while closed, else {@link REFUSED} (a failure recorded with it is not counted).
   */
  public period(): Permit | typeof REFUSED {
    return this.state === 'closed' ? this.closedPeriod : REFUSED;
  }

  /** The error of a refusal {@link CircuitBreaker.permit} just made: the state and next attempt now. */
  public refusal(): CircuitOpenError {
    return new CircuitOpenError(this.name, this.refusingState(), this.retryAt());
  }

  /** The state a refusal names (never `closed`: a closed breaker refuses nothing). */
  public refusingState(): 'open' | 'halfOpen' | 'isolated' {
    return this.state === 'closed' ? 'open' : this.state;
  }

  /** When a refused call may be tried again: undefined while isolated. */
  public retryAt(): number | undefined {
    return this.state === 'isolated' ? undefined : this.nextAttemptAt;
  }

  /** Records a call that succeeded (started at clock time `startedAt`). */
  public succeeded(permit: Permit, startedAt: number): void {
    if (permit === TRIAL) {
      this.trialsInFlight--;
      if (this.state === 'halfOpen') this.actor.send({ type: 'TRIAL.SUCCESS' });
      return;
    }
    if (this.state !== 'closed') return;
    this.consecutive = 0;
    if (this.slowMs > 0) {
      const now = this.ctx.clock.now();
      const slow = now - startedAt >= this.slowMs;
      this.window.record(now, false, slow);
      if (slow) this.check();
    } else {
      this.window.record(this.ctx.clock.now(), false, false);
    }
  }

  /** Records a call that failed; only kinds that count against the breaker count as failures. */
  public failed(permit: Permit, startedAt: number, classification: ErrorClassification): void {
    if (!classification.countsAsFailure) {
      if (classification.kind === 'aborted' || classification.kind === 'circuit-open') {
        if (permit === TRIAL) this.trialsInFlight--;
        return;
      }
      // The resource answered (a constraint violation, a syntax error): it is healthy.
      this.succeeded(permit, startedAt);
      return;
    }
    if (permit === TRIAL) {
      this.trialsInFlight--;
      if (this.state === 'halfOpen') this.actor.send({ type: 'TRIAL.FAILURE' });
      return;
    }
    // A call let through before the breaker last closed failed with the outage it began in: the
    // window of the new period does not count it (it would open the breaker again after a recovery).
    if (this.state !== 'closed' || permit !== this.closedPeriod) return;
    const now = this.ctx.clock.now();
    this.window.record(now, true, this.slowMs > 0 && now - startedAt >= this.slowMs);
    const limit = this.settings.consecutiveFailures;
    if (limit > 0 && ++this.consecutive >= limit) {
      this.actor.send({ type: 'TRIP', reason: 'consecutive-failures' });
      return;
    }
    this.check();
  }

  public isolate(): void {
    this.actor.send({ type: 'ISOLATE' });
  }

  public reset(): void {
    this.actor.send({ type: 'RESET' });
  }

  /**
   * The resource proved itself healthy by its own means (a start or a health check that passed,
   * made outside the breaker): an open or half-open breaker closes at once, so calls succeed as
   * soon as the resource is back instead of after `reset_timeout`. An isolated breaker stays
   * isolated (only {@link CircuitBreaker.reset} lifts that).
   */
  public recovered(): void {
    if (this.state === 'open' || this.state === 'halfOpen') this.actor.send({ type: 'RESET' });
  }

  /** Applies a transition announced by another process (shared state through Redis). */
  public applyRemote(state: 'open' | 'closed' | 'isolated', delayMs = 0, trips = 1): void {
    if (state === 'open') {
      if (this.state === 'isolated') return;
      const wasOpen = this.state === 'open';
      this.actor.send({ type: 'REMOTE.OPEN', delayMs, trips });
      // Re-entering open re-arms its timer; the snapshot's state name did not change, so say so here.
      if (wasOpen && this.state === 'open') this.entered('open', 'remote', this.ctx.clock.now());
    } else if (state === 'isolated') {
      if (this.state !== 'isolated') this.actor.send({ type: 'REMOTE.ISOLATE' });
    } else if (this.state !== 'closed') {
      this.actor.send({ type: 'REMOTE.CLOSE' });
    }
  }

  /** Calls and failures currently in the window (for status details and tests). */
  public windowCounts(): { calls: number; failures: number; slow: number } {
    this.window.advance(this.ctx.clock.now());
    return { calls: this.window.calls, failures: this.window.failures, slow: this.window.slow };
  }

  /** Stops the machine and completes {@link CircuitBreaker.state$}. */
  public stop(): void {
    this.actor.stop();
    this.subject.complete();
  }

  private check(): void {
    const w = this.window;
    if (w.calls < this.minimumCalls) return;
    if (w.failures > 0 && w.failures >= this.threshold * w.calls) {
      this.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    } else if (this.slowMs > 0 && w.slow > 0 && w.slow >= this.slowRatio * w.calls) {
      this.actor.send({ type: 'TRIP', reason: 'slow-calls' });
    }
  }

  private observe(snapshot: SnapshotFrom<typeof circuitBreakerMachine>): void {
    const value = snapshot.value;
    const name = (typeof value === 'string' ? value : Object.keys(value)[0]) as BreakerStateName;
    if (name === this.state) return;
    this.entered(name, snapshot.context.reason, this.ctx.clock.now());
  }

  private entered(to: BreakerStateName, reason: string, now: number): void {
    const from = this.state;
    const context = this.actor.getSnapshot().context;
    this.state = to;
    this.transitions[to]++;
    let delayMs: number | undefined;
    if (to === 'open') {
      delayMs = resetDelayMs(context);
      this.nextAttemptAt = now + delayMs;
    } else {
      this.nextAttemptAt = undefined;
    }
    if (to === 'halfOpen') this.trialsInFlight = 0;
    if (to === 'closed') {
      this.closedPeriod++;
      this.window.clear(now);
      this.consecutive = 0;
    }
    this.subject.next({
      name: this.name,
      state: to,
      since: now,
      trips: context.trips,
      reason,
      ...(this.nextAttemptAt !== undefined ? { nextAttemptAt: this.nextAttemptAt } : {}),
    });
    this.onTransition({ from, to, reason, trips: context.trips, ...(delayMs !== undefined ? { delayMs } : {}) });
  }
}
