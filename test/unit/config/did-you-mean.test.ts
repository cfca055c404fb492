import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from '../../../src/config/did-you-mean.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['retry_attemps', 'retry_attempts', 1],
    ['tiemout', 'timeout', 1],
    ['kitten', 'sitting', 3],
    ['ab', 'ba', 1],
  ])('%s ↔ %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const keys = ['driver', 'host', 'port', 'timeout', 'retry_attempts', 'retry_delay'];
  it.each([
    ['retry_attemps', 'retry_attempts'],
    ['Retry-Attempts', 'retry_attempts'],
    ['tiemout', 'timeout'],
    ['hots', 'host'],
    ['retry', 'retry_attempts'],
  ])('%s → %s', (input, expected) => expect(suggest(input, keys)).toBe(expected));

  it('suggests nothing when no candidate is close', () => {
    expect(suggest('password', keys)).toBeUndefined();
    expect(suggest('x', keys)).toBeUndefined();
  });
});
