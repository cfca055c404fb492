import { describe, expect, it } from 'vitest';
import { MemoryDriver } from '../../../src/cache/drivers/memory-driver.js';
import { TestClock } from '../../../src/kernel/clock.js';

describe('MemoryDriver', () => {
  it('evicts the least recently used entry past max_items, and its tags go with it', async () => {
    const driver = new MemoryDriver({ maxItems: 2, clock: new TestClock() });
    await driver.set('a', '0ja', 0, ['t']);
    await driver.set('b', '0jb', 0, ['t']);
    await driver.get('a');
    await driver.set('c', '0jc', 0, []);
    expect(await driver.getMany(['a', 'b', 'c'])).toEqual(['0ja', undefined, '0jc']);
    expect(driver.describe()).toMatchObject({ entries: 2, tags: 1 });
    expect(await driver.invalidateTags(['t'])).toBe(1);
    expect(driver.describe()).toMatchObject({ entries: 1, tags: 0 });
  });

  it('expires on the instance clock; an expired entry is not counted as removed', async () => {
    const clock = new TestClock();
    const driver = new MemoryDriver({ maxItems: 10, clock });
    await driver.set('p:1', '0j1', 1000, []);
    await driver.set('p:2', '0j2', 0, []);
    await clock.advance(999);
    expect(await driver.get('p:1')).toBe('0j1');
    await clock.advance(2);
    expect(await driver.get('p:1')).toBeUndefined();
    await driver.set('p:3', '0j3', 1000, []);
    await clock.advance(5000);
    expect(await driver.invalidatePrefix('p:')).toBe(1);
  });

  it('setting a key again replaces its tags', async () => {
    const driver = new MemoryDriver({ maxItems: 10, clock: new TestClock() });
    await driver.set('k', '0j1', 0, ['old']);
    await driver.set('k', '0j2', 0, ['new']);
    expect(await driver.invalidateTags(['old'])).toBe(0);
    expect(await driver.invalidateTags(['new'])).toBe(1);
  });

  it("with a key prefix, the caller's key (getByKey, setByKey) and the prefixed key name one entry", async () => {
    const driver = new MemoryDriver({ maxItems: 10, clock: new TestClock(), keyPrefix: 'app:' });
    driver.setByKey('a', '0ja', 0, ['t']);
    await driver.set('app:b', '0jb', 0, []);
    expect(await driver.get('app:a')).toBe('0ja');
    expect(driver.getNow('app:a')).toBe('0ja');
    expect(driver.entryByKey('b')).toEqual({ data: '0jb', tags: [] });
    driver.setJsonByKey('j', '{"x":1}', 0);
    expect(driver.entryByKey('j')).toBe('{"x":1}');
    expect(await driver.get('app:j')).toBe('0j{"x":1}');
    await driver.delete('app:j');
    expect(await driver.getMany(['app:a', 'app:b', 'app:c'])).toEqual(['0ja', '0jb', undefined]);
    expect(await driver.invalidateTags(['t'])).toBe(1);
    expect(driver.entryByKey('a')).toBeUndefined();
    driver.setNow('app:ab', '0jab', 0, []);
    expect(await driver.invalidatePrefix('app:a')).toBe(1);
    expect(await driver.delete('app:b')).toBe(true);
    expect(driver.describe()).toMatchObject({ entries: 0, tags: 0 });
  });
});
