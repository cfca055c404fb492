import { describe, expect, it, vi } from 'vitest';
import { SingleFlight } from '../../../src/cache/single-flight.js';

describe('SingleFlight', () => {
  it('callers of one key share one call, other keys get their own', async () => {
    const flights = new SingleFlight<string>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fn = vi.fn(async () => {
      await gate;
      return 'value';
    });
    const a = Array.from({ length: 10 }, () => flights.run('a', fn));
    const b = flights.run('b', fn);
    expect(flights.size).toBe(2);
    release();
    expect(await Promise.all([...a, b])).toEqual(Array.from({ length: 11 }, () => 'value'));
    expect(fn).toHaveBeenCalledTimes(2);
    expect(flights.size).toBe(0);
  });

  it('an error reaches every caller, and the next call starts afresh', async () => {
    const flights = new SingleFlight<string>();
    const failing = vi.fn(async () => {
      throw new Error('boom');
    });
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(failing).toHaveBeenCalledTimes(1);
    expect(flights.has('k')).toBe(false);
    expect(await flights.run('k', async () => 'ok')).toBe('ok');
  });
});
