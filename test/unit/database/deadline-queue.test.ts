import { describe, expect, it } from 'vitest';
import { DeadlineQueue, raceDeadline } from '../../../src/database/deadline-queue.js';
import { TestClock } from '../../../src/kernel/clock.js';

describe('DeadlineQueue', () => {
  it('fires each deadline when it falls due, in deadline order, on one timer', async () => {
    const clock = new TestClock(1000);
    const queue = new DeadlineQueue(clock);
    const fired: string[] = [];
    queue.add(300, () => fired.push('a'));
    queue.add(300, () => fired.push('b'));
    queue.add(500, () => fired.push('c'));
    // An earlier deadline added later re-arms the timer for itself.
    queue.add(100, () => fired.push('d'));
    expect(clock.pending).toBe(1);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual(['d']);
    await clock.advance(200);
    expect(fired).toEqual(['d', 'a', 'b']);
    await clock.advance(200);
    expect(fired).toEqual(['d', 'a', 'b', 'c']);
    expect(clock.pending).toBe(0);
  });

  it('never fires a cancelled deadline; the timer armed for it re-arms for the next one', async () => {
    const clock = new TestClock();
    const queue = new DeadlineQueue(clock);
    const fired: string[] = [];
    const first = queue.add(100, () => fired.push('first'));
    await clock.advance(50);
    queue.add(100, () => fired.push('second'));
    first.cancel();
    first.cancel();
    await clock.advance(60);
    expect(fired).toEqual([]);
    expect(clock.pending).toBe(1);
    await clock.advance(40);
    expect(fired).toEqual(['second']);
    // A deadline added after all were cancelled or fired arms the timer again.
    queue.add(10, () => fired.push('third')).cancel();
    queue.add(20, () => fired.push('fourth'));
    await clock.advance(20);
    expect(fired).toEqual(['second', 'fourth']);
  });

  it('raceDeadline settles like the work, or rejects with the timeout error when the work is late', async () => {
    const clock = new TestClock();
    const queue = new DeadlineQueue(clock);
    await expect(raceDeadline(queue, Promise.resolve('done'), 100, () => new Error('late'))).resolves.toBe('done');
    await expect(
      raceDeadline(queue, Promise.reject(new Error('failed')), 100, () => new Error('late')),
    ).rejects.toThrow('failed');
    const never = new Promise<string>(() => undefined);
    const raced = raceDeadline(queue, never, 100, () => new Error('late'));
    const outcome = raced.then(
      () => 'resolved',
      (e: unknown) => (e as Error).message,
    );
    await clock.advance(100);
    expect(await outcome).toBe('late');
  });
});
