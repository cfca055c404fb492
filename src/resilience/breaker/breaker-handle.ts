import type { Observable } from 'rxjs';

/** The four states of a circuit breaker, as `stator.breaker(name).state` reports them. */
export type BreakerStateName = 'closed' | 'open' | 'halfOpen' | 'isolated';

/**
 * A snapshot of a breaker, as {@link BreakerHandle.state$} emits it on every transition.
 */
export interface BreakerState {
  /** The breaker's name (the resource it guards: `cache`, `database`, `filesystem`). */
  readonly name: string;
  readonly state: BreakerStateName;
  /** Clock time (ms) at which the state was entered. */
  readonly since: number;
  /** While open: clock time (ms) at which the breaker half-opens and tries the resource again. */
  readonly nextAttemptAt?: number;
  /** Trips since the breaker last closed (drives the growing reset timeout). */
  readonly trips: number;
  /** Why it is in this state (`failure-ratio`, `slow-calls`, `trial-failed`, `trial-timeout`, `isolated`, `remote`, ...). */
  readonly reason?: string;
}

/**
 * The circuit breaker of one resource, as `stator.breaker(name)` returns it.
 *
 * @example
 * ```ts
 * const breaker = stator.breaker('database');
 * breaker?.state$.subscribe((s) => console.log(s.state, s.nextAttemptAt));
 * breaker?.isolate(); // maintenance: refuse every call until reset()
 * ```
 */
export interface BreakerHandle {
  readonly name: string;
  /** The current state; reading it costs a property access. */
  readonly state: BreakerStateName;
  /** While open: clock time (ms) at which the breaker will try the resource again. */
  readonly nextAttemptAt?: number;
  /** Forces the breaker open until {@link BreakerHandle.reset} (every call fails with `CircuitOpenError`). */
  isolate(): void;
  /** Closes the breaker and forgets the calls counted so far (also ends isolation). */
  reset(): void;
  /**
   * The resource proved healthy outside the breaker (its start or health check passed): an open
   * or half-open breaker closes; an isolated one stays isolated. The supervisor calls it.
   */
  recovered(): void;
  /** The current state, replayed to new subscribers, then every transition. */
  readonly state$: Observable<BreakerState>;
}
