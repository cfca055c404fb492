import { describe, expect, it } from 'vitest';
import { isTransientFsError } from '../../../src/filesystem/gated-fs.js';
import { OperationTimeoutError } from '../../../src/errors/operation-timeout-error.js';

const fsFailure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed`), { code });

describe('isTransientFsError', () => {
  it.each(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE'])(
    'retries %s (the file or the process is short of something for a moment)',
    (code) => {
      expect(isTransientFsError(fsFailure(code))).toBe(true);
    },
  );

  it.each(['ENOENT', 'EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'ENOSPC', 'EROFS', 'EIO', 'ELOOP'])(
    'never retries %s (running it again changes nothing)',
    (code) => {
      expect(isTransientFsError(fsFailure(code))).toBe(false);
    },
  );

  it('never retries a timeout (a hung mount stays hung), nor what is no fs error', () => {
    expect(isTransientFsError(new OperationTimeoutError('filesystem', 'readFile', 1000, 'filesystem.timeout'))).toBe(
      false,
    );
    expect(isTransientFsError(new Error('EMFILE in the message only'))).toBe(false);
    expect(isTransientFsError(undefined)).toBe(false);
    expect(isTransientFsError({ code: 42 })).toBe(false);
  });
});
