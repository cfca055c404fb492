import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../../../src/errors/circuit-open-error.js';
import { OperationTimeoutError } from '../../../src/errors/operation-timeout-error.js';
import { classifyError } from '../../../src/resilience/index.js';

// The detector's own logic (driver codes are pinned by real errors in test/integration/resilience).
describe('classifyError', () => {
  it('anything that is not an error object is unknown: not transient, counts, no fallback', () => {
    for (const thrown of [undefined, null, 'boom', 42, Symbol('x'), {}]) {
      expect(classifyError(thrown)).toMatchObject({
        kind: 'unknown',
        known: false,
        transient: false,
        countsAsFailure: true,
        fallbackAllowed: false,
      });
    }
  });

  it("classifies Stator's own errors by their code", () => {
    expect(classifyError(new CircuitOpenError('database', 'open', 1))).toMatchObject({
      kind: 'circuit-open',
      transient: false,
      countsAsFailure: false,
      fallbackAllowed: true,
    });
    expect(classifyError(new OperationTimeoutError('database', 'q', 5))).toMatchObject({
      kind: 'timeout',
      transient: true,
      code: 'OPERATION_TIMEOUT',
    });
  });

  it("reads a driver's message behind the statement knex puts before it", () => {
    const lost = new Error('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ - Connection terminated unexpectedly');
    expect(classifyError(lost)).toMatchObject({ kind: 'connection-lost', known: true, transient: true });
    const broken = new Error(
      'update "accounts" set "balance" = "balance" - $1 where "id" = $2 - Client has encountered a connection error and is not queryable',
    );
    expect(classifyError(broken)).toMatchObject({ kind: 'connection-lost', countsAsFailure: true });
    expect(classifyError(new Error('select 1 - something else'))).toMatchObject({ kind: 'unknown' });
  });

  it('looks through cause chains, to a bounded depth', () => {
    const root = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyError(new Error('query failed', { cause: new Error('wrapped', { cause: root }) }))).toMatchObject({
      kind: 'connection-lost',
    });
    let deep: Error = root;
    for (let i = 0; i < 10; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(classifyError(deep).kind).toBe('unknown');
    const cyclic = new Error('a') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(classifyError(cyclic).kind).toBe('unknown');
  });

  it('looks inside AggregateErrors and takes the first known inner error', () => {
    const inner = [new Error('?'), Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })];
    expect(classifyError(new AggregateError(inner, 'all failed'))).toMatchObject({ kind: 'connection-refused' });
  });

  it("an AbortError is aborted; ioredis' own AbortError about a closed connection is connection trouble", () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyError(controller.signal.reason).kind).toBe('aborted');
    const redisAbort = Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' });
    expect(classifyError(redisAbort).kind).toBe('connection-lost');
  });

  it('returns shared frozen verdicts (no allocation per known error)', () => {
    const a = classifyError(Object.assign(new Error('x'), { code: 'ECONNRESET' }));
    const b = classifyError(Object.assign(new Error('y'), { code: 'ECONNRESET' }));
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('never throws on hostile objects', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    expect(classifyError(hostile).kind).toBe('unknown');
  });
});
