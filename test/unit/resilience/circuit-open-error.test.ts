import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../../../src/errors/circuit-open-error.js';

describe('CircuitOpenError (message written on first read)', () => {
  const retryAt = Date.UTC(2030, 0, 2, 3, 4, 5);

  it('reads the same as an eagerly built message: message, String(), stack header, inspect', () => {
    const error = new CircuitOpenError('database', 'open', retryAt);
    const expected =
      'The circuit breaker of "database" is open after repeated failures of the resource, so the call was not attempted; calls are refused until 2030-01-02T03:04:05.000Z. Check the resource\'s health, or retry after that time.';
    expect(error.stack?.split('\n')[0]).toBe(`CircuitOpenError: ${expected}`);
    expect(error.message).toBe(expected);
    expect(String(error)).toBe(`CircuitOpenError: ${expected}`);
    expect(inspect(error)).toContain(expected);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CircuitOpenError');
  });

  it('keeps the message as an own, writable, non-enumerable property once read, like any Error', () => {
    const error = new CircuitOpenError('cache', 'isolated');
    expect(error.message).toMatch(/"cache" is isolated by hand.*reset\(\) to resume/);
    const own = Object.getOwnPropertyDescriptor(error, 'message');
    expect(own).toMatchObject({ writable: true, enumerable: false, configurable: true });
    expect(Object.keys(error)).not.toContain('message');
  });

  it('lets callers replace the message (a wrapper prefixing it), before or after it was read', () => {
    const unread = new CircuitOpenError('fs', 'halfOpen');
    unread.message = 'replaced';
    expect(unread.message).toBe('replaced');
    const read = new CircuitOpenError('fs', 'halfOpen');
    read.message = `while saving: ${read.message}`;
    expect(read.message).toMatch(/^while saving: The circuit breaker of "fs" is half-open/);
  });

  it('builds each instance its own message (no state shared through the prototype)', () => {
    const a = new CircuitOpenError('a', 'open', retryAt);
    const b = new CircuitOpenError('b', 'isolated');
    expect(a.message).toContain('"a" is open');
    expect(b.message).toContain('"b" is isolated');
    expect(new CircuitOpenError('c', 'open').message).not.toContain('until');
  });
});
