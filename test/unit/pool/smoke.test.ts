import { describe, expect, it } from 'vitest';
import { createPool } from '../../../src/pool/index.js';
import { FakeFactory, poolContext } from './pool-context.js';

describe('pool smoke', () => {
  it('lends, reuses and closes', async () => {
    const { ctx } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 't', factory, max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(pool.stats()).toMatchObject({ busy: 2, total: 2 });
    const c = pool.acquire();
    a.release();
    expect((await c).connection).toBe(a.connection);
    b.release();
    (await c).release();
    expect(pool.stats()).toMatchObject({ busy: 0, idle: 2 });
    await pool.close();
    expect(factory.destroyed).toHaveLength(2);
  });
});
