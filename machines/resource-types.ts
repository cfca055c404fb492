// The resource machine's data types: what it is given, keeps, reports and hands its actors.
/** An error as the machines keep it: plain data, so snapshots and event logs serialize. */
export interface ResourceErrorInfo {
  readonly name: string;
  readonly message: string;
  /** A stable code when the error had one (`ECONNREFUSED`, `STARTUP_FAILED`, ...). */
  readonly code?: string;
}

/** A health reading, from a check or from the layer itself (the machine's view of `LayerHealth`). */
export type ResourceHealthReport =
  | { readonly status: 'up' }
  | { readonly status: 'degraded'; readonly reason: string }
  | { readonly status: 'down'; readonly error: ResourceErrorInfo };

/** How the last stop of the resource ended. */
export type ResourceStopOutcome = 'clean' | 'error' | 'abandoned' | 'skipped';

/** What a resource actor is started with. Every duration is in milliseconds. */
export interface ResourceInput {
  /** Resource name as in config and status (`cache`, `database`, ...). */
  readonly name: string;
  /** Initialization attempts after the first one; also the re-checks made while `recovering`. */
  readonly retryAttempts: number;
  /** Pause between two initialization attempts, and between two recovery checks. */
  readonly retryDelay: number;
  /** Time an initialization attempt or a health check may take. */
  readonly timeout: number;
  /** Pause between two health checks while running. */
  readonly healthInterval: number;
  /** Time the layer gets to stop before it is abandoned. */
  readonly stopTimeout: number;
}

/** What the resource machine remembers. */
export interface ResourceContext extends ResourceInput {
  /** Initialization attempt in progress or last made, from 1. */
  readonly attempt: number;
  /** Recovery checks made since the resource entered `recovering`. */
  readonly recoveryChecks: number;
  /** Names of the started resources this one was started with. */
  readonly dependencies: readonly string[];
  readonly lastError?: ResourceErrorInfo;
  readonly degradedReason?: string;
  readonly stopOutcome?: ResourceStopOutcome;
}

/**
 * Events the resource machine accepts:
 * - `START` `{ dependencies }` — from the supervisor, once the resources this one depends on are
 *   up (`idle` / `stopped` → `initializing`).
 * - `STOP` — from the supervisor (any state but `stopped` → `stopping` → `stopped`).
 * - `LAYER.HEALTH` `{ health }` — a health change the layer reported by itself, forwarded by the
 *   `watchHealth` actor while `running`.
 */
export type ResourceEvent =
  | { readonly type: 'START'; readonly dependencies: readonly string[] }
  | { readonly type: 'STOP' }
  | { readonly type: 'LAYER.HEALTH'; readonly health: ResourceHealthReport };

/**
 * Events a resource sends its parent (the supervisor), one per lifecycle step that matters to it.
 */
export type ResourceReport =
  | {
      readonly type: 'RESOURCE.RETRYING';
      readonly name: string;
      readonly attempt: number;
      readonly error: ResourceErrorInfo;
    }
  | { readonly type: 'RESOURCE.READY'; readonly name: string; readonly attempt: number }
  | { readonly type: 'RESOURCE.DEGRADED'; readonly name: string; readonly reason: string }
  | { readonly type: 'RESOURCE.RECOVERING'; readonly name: string; readonly error?: ResourceErrorInfo }
  | {
      readonly type: 'RESOURCE.FAILED';
      readonly name: string;
      readonly attempts: number;
      readonly error?: ResourceErrorInfo;
    }
  | {
      readonly type: 'RESOURCE.STOPPED';
      readonly name: string;
      readonly outcome: ResourceStopOutcome;
      readonly error?: ResourceErrorInfo;
    };

/** Input of the `initializeResource` actor. */
export interface InitializeResourceInput {
  readonly name: string;
  readonly attempt: number;
  readonly dependencies: readonly string[];
}

/** Input of the `checkHealth`, `stopResource` and `watchHealth` actors. */
export interface ResourceActorInput {
  readonly name: string;
}
