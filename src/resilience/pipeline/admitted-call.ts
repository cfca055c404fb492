import type { Permit } from '../breaker/circuit-breaker.js';
import type { Admission } from './pipeline.js';

/** What an {@link AdmittedCall} reports to: the pipeline that admitted it. */
export interface CallRecorder {
  recordSuccess(permit: Permit, startedAt: number): void;
  recordFailure(permit: Permit, startedAt: number, operation: string, error: unknown): void;
  remember(key: string, value: unknown): void;
}

/**
 * One call let in by `Pipeline.admit`: the breaker's permit and the start time its outcome is
 * recorded with. A plain object with its methods on the prototype, so admitting a call
 * allocates one small object and no closure.
 */
export class AdmittedCall implements Admission {
  public constructor(
    private readonly recorder: CallRecorder,
    private readonly operation: string,
    private readonly permit: Permit,
    private readonly startedAt: number,
  ) {}

  public succeeded(): void {
    this.recorder.recordSuccess(this.permit, this.startedAt);
  }

  public readSucceeded(key: string, value: unknown): void {
    this.recorder.recordSuccess(this.permit, this.startedAt);
    this.recorder.remember(key, value);
  }

  public failed(error: unknown): void {
    this.recorder.recordFailure(this.permit, this.startedAt, this.operation, error);
  }
}
