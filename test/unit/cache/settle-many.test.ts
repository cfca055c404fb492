import { describe, expect, it } from 'vitest';
import { settleMany } from '../../../src/cache/settle-many.js';

describe('settleMany', () => {
  it('reads that failed are misses while others answered', async () => {
    expect(
      await settleMany([Promise.resolve('a'), Promise.reject(new Error('down')), Promise.resolve(undefined)]),
    ).toEqual(['a', undefined, undefined]);
  });

  it('rejects with the first error when every read failed', async () => {
    await expect(settleMany([Promise.reject(new Error('first')), Promise.reject(new Error('second'))])).rejects.toThrow(
      'first',
    );
  });

  it('no reads, no values', async () => {
    expect(await settleMany([])).toEqual([]);
  });
});
