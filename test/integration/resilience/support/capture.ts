import { expect } from 'vitest';
import { classifyError, type ErrorClassification, type ErrorKind } from '../../../../src/resilience/index.js';

/** Runs `fn`, which must fail, and returns what it threw (a real error from a real server). */
export async function capture(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, and it succeeded');
}

/** Asserts the detector's verdict on a captured error, and returns it. */
export function expectKind(
  error: unknown,
  kind: ErrorKind,
  expected: Partial<ErrorClassification> = {},
): ErrorClassification {
  const verdict = classifyError(error);
  expect(verdict, `classification of ${describe(error)}`).toMatchObject({
    kind,
    known: kind !== 'unknown',
    ...expected,
  });
  return verdict;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { code?: unknown; errno?: unknown };
  return `${e.name} code=${String(e.code)} errno=${String(e.errno)}: ${e.message}`;
}

/** A short random suffix for names of tables, roles, keys. */
export function suffix(): string {
  return `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
