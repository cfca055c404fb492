import { StatorError } from './stator-error.js';

/**
 * The audit log could not be written (or its tail could not be read to continue the chain).
 * Stator fails closed: the access that needed this entry is denied. Fix the file's location or
 * permissions (`security.audit.file` under the filesystem's `logs/` directory), then retry.
 */
export class AuditWriteFailedError extends StatorError {
  public readonly code = 'AUDIT_WRITE_FAILED';
  public readonly isAuditWriteFailedError = true;

  public constructor(
    /** The audit log file. */
    public readonly file: string,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `Audit log ${file} could not be written${why}. Access is denied until it can be: ` +
        'check that the path is a writable file inside filesystem.base_path.',
      options,
    );
  }
}

/** True for an {@link AuditWriteFailedError}, across package copies. */
export const isAuditWriteFailedError = (e: unknown): e is AuditWriteFailedError =>
  !!e && e instanceof Error && 'isAuditWriteFailedError' in e;
