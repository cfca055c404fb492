import { describe, expect, it } from 'vitest';
import { TickWriteCoalescer, type Corkable } from '../../../src/kernel/tick-write-coalescer.js';

function fakeSocket(): Corkable & { log: string[] } {
  const log: string[] = [];
  return { log, cork: () => log.push('cork'), uncork: () => log.push('uncork') };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('TickWriteCoalescer', () => {
  it('leaves a lone write of a tick alone', async () => {
    const writes = new TickWriteCoalescer();
    const a = fakeSocket();
    writes.hold(a);
    expect(writes.tracks(a)).toBe(true);
    await nextTick();
    writes.hold(a);
    await nextTick();
    expect(a.log).toEqual([]);
    expect(writes.tracks(a)).toBe(false);
  });

  it('corks each socket on its second write of a tick, once, and uncorks it on the next tick', async () => {
    const writes = new TickWriteCoalescer();
    const a = fakeSocket();
    const b = fakeSocket();
    const c = fakeSocket();
    writes.hold(a);
    writes.hold(b);
    writes.hold(c);
    expect(a.log).toEqual([]);
    writes.hold(a);
    writes.hold(b);
    writes.hold(a);
    writes.hold(b);
    expect(a.log).toEqual(['cork']);
    expect(b.log).toEqual(['cork']);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork']);
    expect(b.log).toEqual(['cork', 'uncork']);
    expect(c.log).toEqual([]);
    writes.hold(a);
    writes.hold(a);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork', 'cork', 'uncork']);
    expect(b.log).toEqual(['cork', 'uncork']);
  });

  it('release writes out what is held at once, and the next tick does not uncork twice', async () => {
    const writes = new TickWriteCoalescer();
    const a = fakeSocket();
    writes.hold(a);
    writes.hold(a);
    writes.release();
    expect(a.log).toEqual(['cork', 'uncork']);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork']);
    writes.hold(a);
    writes.hold(a);
    expect(a.log).toEqual(['cork', 'uncork', 'cork']);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork', 'cork', 'uncork']);
  });
});
