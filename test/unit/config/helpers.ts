import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isConfigInvalidError, type ConfigInvalidError } from '../../../src/errors/config-invalid-error.js';

/** A fresh temporary directory for one test file, removed by the returned `cleanup`. */
export function tempDir(prefix: string): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `stator-${prefix}-`));
  return {
    dir,
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `fn`, expects a ConfigInvalidError, and returns it. */
export function configError(fn: () => unknown): ConfigInvalidError {
  try {
    fn();
  } catch (error) {
    expect(isConfigInvalidError(error)).toBe(true);
    return error as ConfigInvalidError;
  }
  throw new Error('expected loadConfig to throw ConfigInvalidError, it returned');
}
