import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { AsyncSlot } from '../../../src/kernel/async-slot.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AsyncSlot', () => {
  it('follows the async context like an AsyncLocalStorage of its own', async () => {
    const slot = new AsyncSlot<string>();
    expect(slot.getStore()).toBeUndefined();
    const seen = await slot.run('a', async () => {
      await tick();
      return slot.getStore();
    });
    expect(seen).toBe('a');
    expect(slot.getStore()).toBeUndefined();
  });

  it('keeps the values of different slots apart, each seen inside the other', async () => {
    const site = new AsyncSlot<string>();
    const scope = new AsyncSlot<number>();
    const seen = await site.run('caller.ts:12', () =>
      scope.run(7, async () => {
        await tick();
        return [site.getStore(), scope.getStore()];
      }),
    );
    expect(seen).toEqual(['caller.ts:12', 7]);
  });

  it('gives the innermost value when a slot is set again, and the outer one after', async () => {
    const slot = new AsyncSlot<number>();
    const other = new AsyncSlot<string>();
    const seen: Array<number | string | undefined> = [];
    await other.run('kept', () =>
      slot.run(1, async () => {
        await slot.run(2, async () => {
          await tick();
          seen.push(slot.getStore(), other.getStore());
        });
        seen.push(slot.getStore());
      }),
    );
    expect(seen).toEqual([2, 'kept', 1]);
  });

  it('keeps concurrent contexts apart', async () => {
    const slot = new AsyncSlot<number>();
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        slot.run(n, async () => {
          await tick();
          await tick();
          return slot.getStore();
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3]);
  });

  it('is not disturbed by an AsyncLocalStorage of the application', async () => {
    const app = new AsyncLocalStorage<string>();
    const slot = new AsyncSlot<number>();
    const seen = await app.run('request-1', () =>
      slot.run(5, async () => {
        await tick();
        return [app.getStore(), slot.getStore()];
      }),
    );
    expect(seen).toEqual(['request-1', 5]);
  });
});
