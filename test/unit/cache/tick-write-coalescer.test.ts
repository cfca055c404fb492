import { describe, expect, it } from 'vitest';
import { TickWriteCoalescer, type Corkable } from '../../../src/cache/drivers/tick-write-coalescer.js';

function fakeSocket(): Corkable & { log: string[] } {
  const log: string[] = [];
  return { log, cork: () => log.push('cork'), uncork: () => log.push('uncork') };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('TickWriteCoalescer', () => {
  it('corks each socket once per tick and uncorks it on the next tick', async () => {
    const writes = new TickWriteCoalescer();
    const a = fakeSocket();
    const b = fakeSocket();
    writes.hold(a);
    writes.hold(b);
    writes.hold(a);
    writes.hold(b);
    expect(a.log).toEqual(['cork']);
    expect(b.log).toEqual(['cork']);
    expect(writes.holds(a)).toBe(true);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork']);
    expect(b.log).toEqual(['cork', 'uncork']);
    expect(writes.holds(a)).toBe(false);
    writes.hold(a);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork', 'cork', 'uncork']);
    expect(b.log).toEqual(['cork', 'uncork']);
  });

  it('release writes out what is held at once, and the next tick does not uncork twice', async () => {
    const writes = new TickWriteCoalescer();
    const a = fakeSocket();
    writes.hold(a);
    writes.release();
    expect(a.log).toEqual(['cork', 'uncork']);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork']);
    writes.hold(a);
    expect(a.log).toEqual(['cork', 'uncork', 'cork']);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork', 'cork', 'uncork']);
  });
});
