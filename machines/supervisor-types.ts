import type { ResourceErrorInfo, ResourceInput, ResourceReport, ResourceStopOutcome } from './resource.machine.js';

/** How the supervisor restarts a resource that failed while running (OTP's strategies). */
export type RestartStrategy = 'one_for_one' | 'rest_for_one';

/** The supervisor's view of one resource's state: the resource machine's top-level states. */
export type SupervisedState =
  'idle' | 'initializing' | 'ready' | 'degraded' | 'recovering' | 'failed' | 'stopping' | 'stopped';

/** One resource as the supervisor is given it. */
export interface SupervisedResourceInput extends ResourceInput {
  /** Resources that must be up before this one starts (and stop after it). */
  readonly dependsOn: readonly string[];
  /** An optional resource may fail; the runtime is then degraded instead of failing. */
  readonly optional: boolean;
}

/** What the supervisor is started with. Durations in milliseconds. */
export interface SupervisorInput {
  /** Every resource, in a topological order of `dependsOn` (dependencies first), without cycles. */
  readonly resources: readonly SupervisedResourceInput[];
  readonly strategy: RestartStrategy;
  /** Restarts allowed within `restartPeriod`; one more failure escalates to `failed`. */
  readonly maxRestarts: number;
  readonly restartPeriod: number;
  /**
   * Past the restart intensity: `backoff` (default) keeps restarting the resource with capped
   * exponential back-off (a crash-loop back-off) for as long as the process runs; `halt`
   * escalates to `failed` and stops everything (for a process manager that restarts the
   * process). Optional resources are always revived with back-off.
   */
  readonly onExhausted?: 'backoff' | 'halt';
  /** First crash-loop back-off (ms), doubled at each further restart; default 1000. */
  readonly initialBackoff?: number;
  /** The crash-loop back-off never exceeds this (ms); default 60 000. */
  readonly maxBackoff?: number;
}

/** The supervisor's record of one resource. */
export interface SupervisedResource {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly optional: boolean;
  readonly state: SupervisedState;
  /** Initialization attempts of the last start. */
  readonly attempts: number;
  /** Times the supervisor restarted it. */
  readonly restarts: number;
  readonly lastError?: ResourceErrorInfo;
  readonly degradedReason?: string;
  readonly stopOutcome?: ResourceStopOutcome;
  /** Scheduled for a restart: it is stopped (after its scheduled dependents), then started again. */
  readonly restartPending: boolean;
  /** Waiting out a crash-loop back-off before its next restart (it stays `failed` meanwhile). */
  readonly backoffPending: boolean;
  /** Crash-loop back-offs in a row (0 once the restart intensity window has cooled down). */
  readonly backoffs: number;
  /** The back-off (ms) before its next restart, while `backoffPending`. */
  readonly backoffMs?: number;
}

/** Why the supervisor is `failed`. */
export interface SupervisorFailure {
  /** `startup`: a required resource could not start; `restart_intensity`: too many restarts. */
  readonly reason: 'startup' | 'restart_intensity';
  /** The required resources that failed. */
  readonly resources: readonly string[];
}

/** What the supervisor remembers. */
export interface SupervisorContext {
  /** Resource names in topological order. */
  readonly order: readonly string[];
  readonly inputs: Readonly<Record<string, SupervisedResourceInput>>;
  readonly resources: Readonly<Record<string, SupervisedResource>>;
  readonly strategy: RestartStrategy;
  readonly maxRestarts: number;
  readonly restartPeriod: number;
  readonly onExhausted: 'backoff' | 'halt';
  readonly initialBackoff: number;
  readonly maxBackoff: number;
  /** Restarts within the last `restartPeriod`. */
  readonly recentRestarts: number;
  readonly failure?: SupervisorFailure;
}

/**
 * Events the supervisor accepts: `START` and `STOP` from the runtime, the
 * {@link ResourceReport}s of its resource actors, and its own delayed `RESTART.EXPIRED`
 * (a restart leaving the intensity window).
 */
export type SupervisorEvent =
  | { readonly type: 'START' }
  | { readonly type: 'STOP' }
  | { readonly type: 'RESTART.EXPIRED' }
  /** A resource's crash-loop back-off is over: restart it now. */
  | { readonly type: 'RESTART.DUE'; readonly name: string }
  | ResourceReport;
