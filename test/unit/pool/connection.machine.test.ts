import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { connectionMachine, type ConnectionEvent } from '../../../machines/connection.machine.js';

function run(...events: ConnectionEvent[]) {
  const actor = createActor(connectionMachine, { input: { id: 'conn-1' } }).start();
  for (const e of events) actor.send(e);
  return actor.getSnapshot();
}

describe('connection machine', () => {
  it('walks a pooled connection through its life', () => {
    expect(run().value).toBe('creating');
    expect(run({ type: 'CREATED' }).value).toBe('idle');
    expect(run({ type: 'CREATED' }, { type: 'VALIDATE' }).value).toBe('validating');
    expect(run({ type: 'CREATED' }, { type: 'VALIDATE' }, { type: 'VALID' }).value).toBe('idle');
    const invalid = run({ type: 'CREATED' }, { type: 'VALIDATE' }, { type: 'INVALID' });
    expect(invalid.value).toBe('retiring');
    expect(invalid.context.retireReason).toBe('invalid');
    const closed = run({ type: 'CREATED' }, { type: 'RETIRE', reason: 'idle_timeout' }, { type: 'CLOSED' });
    expect(closed.value).toBe('closed');
    expect(closed.status).toBe('done');
    expect(closed.context.retireReason).toBe('idle_timeout');
  });

  it('records a create failure and an error on an idle connection', () => {
    const failed = run({ type: 'CREATE_FAILED', error: 'ECONNREFUSED' });
    expect(failed.value).toBe('failed');
    expect(failed.context.lastError).toBe('ECONNREFUSED');
    const broken = run({ type: 'CREATED' }, { type: 'ERROR', error: 'terminated' });
    expect(broken.value).toBe('retiring');
    expect(broken.context).toMatchObject({ lastError: 'terminated', retireReason: 'error' });
    // A close the owner did not ask for is not an event of this machine: ignored until a RETIRE.
    expect(run({ type: 'CREATED' }, { type: 'CLOSED' }).value).toBe('idle');
  });

  it('counts leak reports without changing state, also on a lent connection that failed', () => {
    const s = run(
      { type: 'CREATED' },
      { type: 'LEAK_SUSPECTED', heldMs: 61_000 },
      { type: 'LEAK_RETURNED', heldMs: 70_000 },
    );
    expect(s.value).toBe('idle');
    expect(s.context.leaks).toBe(1);
    const failedWhileLent = run(
      { type: 'CREATED' },
      { type: 'ERROR', error: 'terminated' },
      { type: 'LEAK_SUSPECTED', heldMs: 61_000 },
      { type: 'LEAK_RETURNED', heldMs: 70_000 },
      { type: 'ERROR', error: 'terminated' },
    );
    expect(failedWhileLent.value).toBe('retiring');
    expect(failedWhileLent.context).toMatchObject({ leaks: 1, retireReason: 'error' });
  });

  it('follows a driver that reconnects by itself', () => {
    const s = run(
      { type: 'DRIVER.READY' },
      { type: 'DRIVER.ERROR', error: 'ECONNRESET' },
      { type: 'DRIVER.CLOSED' },
      { type: 'DRIVER.RECONNECTING' },
      { type: 'DRIVER.RECONNECTING' },
    );
    expect(s.value).toBe('reconnecting');
    expect(s.context).toMatchObject({ reconnects: 2, lastError: 'ECONNRESET' });
    expect(run({ type: 'DRIVER.READY' }, { type: 'DRIVER.CLOSED' }, { type: 'DRIVER.READY' }).value).toBe('idle');
    expect(run({ type: 'DRIVER.READY' }, { type: 'DRIVER.CLOSED' }, { type: 'DRIVER.END' }).value).toBe('failed');
    expect(run({ type: 'DRIVER.READY' }, { type: 'RETIRE', reason: 'drain' }, { type: 'DRIVER.END' }).value).toBe(
      'closed',
    );
  });
});
