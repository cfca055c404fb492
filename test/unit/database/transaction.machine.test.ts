import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise, type Actor } from 'xstate';
import {
  TRANSACTION_TIMEOUT_EVENT,
  transactionMachine,
  type RollbackOutcome,
  type TransactionAttemptInput,
} from '../../../machines/transaction.machine.js';
import { RollbackFailedError, isRollbackFailedError } from '../../../src/errors/rollback-failed-error.js';
import { eventPayload } from '../../../src/kernel/event-payload.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { TestClock } from '../../../src/kernel/clock.js';

/** A promise actor whose every run the test settles by hand. */
function controllable<T>() {
  const runs: Array<{
    input: TransactionAttemptInput;
    resolve: (v: T) => void;
    reject: (e: unknown) => void;
    signal: AbortSignal;
  }> = [];
  const logic = fromPromise<T, TransactionAttemptInput>(
    ({ input, signal }) => new Promise<T>((resolve, reject) => runs.push({ input, resolve, reject, signal })),
  );
  return { logic, runs, last: () => runs[runs.length - 1]! };
}

function setUp(limits = { maxRetries: 2, timeoutMs: 1000 }) {
  const input = { id: 7, ...limits };
  const clock = new TestClock();
  const body = controllable<void>();
  const commit = controllable<void>();
  const rollBack = controllable<RollbackOutcome>();
  const machine = transactionMachine.provide({
    actors: { runBody: body.logic, commit: commit.logic, rollBack: rollBack.logic },
  });
  const actor = createActor(machine, { clock, input });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  const state = (): unknown => actor.getSnapshot().value;
  return { clock, body, commit, rollBack, actor, state, errors };
}

const settle = (clock: TestClock): Promise<void> => clock.advance(0);

describe('transaction machine', () => {
  it('takes the timeout transition on TRANSACTION_TIMEOUT_EVENT sent from outside (a first attempt that timed out in src/)', async () => {
    const t = setUp();
    t.actor.send({ type: TRANSACTION_TIMEOUT_EVENT } as never);
    await settle(t.clock);
    expect(t.state()).toBe('rollingBack');
    expect(t.body.last().signal.aborted).toBe(true);
    expect(t.rollBack.last().input).toEqual({ id: 7, attempt: 1, failedIn: 'timeout', error: undefined });
    expect(t.clock.pending).toBe(0); // its own timer is cancelled with the state
  });

  it('commits: active → committing → committed', async () => {
    const t = setUp();
    expect(t.state()).toBe('active');
    expect(t.body.last().input).toEqual({ id: 7, attempt: 1 });
    t.body.last().resolve();
    await settle(t.clock);
    expect(t.state()).toBe('committing');
    t.commit.last().resolve();
    await expect(toPromise(t.actor as Actor<typeof transactionMachine>)).resolves.toEqual({
      outcome: 'committed',
      attempts: 1,
    });
    expect(t.state()).toBe('committed');
  });

  it('rolls back when the body fails and the outcome plans no retry', async () => {
    const t = setUp();
    const failure = new Error('constraint');
    t.body.last().reject(failure);
    await settle(t.clock);
    expect(t.state()).toBe('rollingBack');
    expect(t.rollBack.last().input).toEqual({ id: 7, attempt: 1, failedIn: 'body', error: failure });
    t.rollBack.last().resolve({ retry: false, backoffMs: 0 });
    const output = await toPromise(t.actor);
    expect(output).toEqual({ outcome: 'rolledBack', attempts: 1, failedIn: 'body', error: failure });
  });

  it('retries the whole body after the planned back-off, then commits', async () => {
    const t = setUp();
    t.body.last().reject(new Error('deadlock'));
    await settle(t.clock);
    t.rollBack.last().resolve({ retry: true, backoffMs: 50 });
    await settle(t.clock);
    expect(t.state()).toBe('retrying');
    await t.clock.advance(49);
    expect(t.state()).toBe('retrying');
    expect(t.body.runs).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.state()).toBe('active');
    expect(t.body.last().input).toEqual({ id: 7, attempt: 2 });
    t.body.last().resolve();
    await settle(t.clock);
    t.commit.last().resolve();
    expect(await toPromise(t.actor)).toMatchObject({ outcome: 'committed', attempts: 2 });
  });

  it('stops retrying when retries run out, whatever the outcome plans', async () => {
    const t = setUp({ maxRetries: 1, timeoutMs: 0 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      t.body.last().reject(new Error(`deadlock ${attempt}`));
      await settle(t.clock);
      t.rollBack.last().resolve({ retry: true, backoffMs: 10 });
      await t.clock.advance(10);
    }
    expect(await toPromise(t.actor)).toMatchObject({ outcome: 'rolledBack', attempts: 2, failedIn: 'body' });
    expect(t.body.runs).toHaveLength(2);
  });

  it('rolls back on its timeout and aborts the body', async () => {
    const t = setUp({ maxRetries: 3, timeoutMs: 1000 });
    await t.clock.advance(999);
    expect(t.state()).toBe('active');
    await t.clock.advance(1);
    expect(t.state()).toBe('rollingBack');
    expect(t.body.last().signal.aborted).toBe(true);
    expect(t.rollBack.last().input).toMatchObject({ failedIn: 'timeout' });
    t.rollBack.last().resolve({ retry: false, backoffMs: 0 });
    expect(await toPromise(t.actor)).toMatchObject({ outcome: 'rolledBack', failedIn: 'timeout' });
  });

  it('has no timeout when timeoutMs is 0', async () => {
    const t = setUp({ maxRetries: 0, timeoutMs: 0 });
    await t.clock.advance(24 * 3600_000);
    expect(t.state()).toBe('active');
  });

  it('rolls back when COMMIT fails', async () => {
    const t = setUp();
    t.body.last().resolve();
    await settle(t.clock);
    const failure = new Error('40001');
    t.commit.last().reject(failure);
    await settle(t.clock);
    expect(t.state()).toBe('rollingBack');
    expect(t.rollBack.last().input).toMatchObject({ failedIn: 'commit', error: failure });
  });

  it('ABORT rolls back an active transaction, ends a retrying one, and does not interrupt a COMMIT', async () => {
    const a = setUp();
    a.actor.send({ type: 'ABORT', reason: 'stopping' });
    expect(a.state()).toBe('rollingBack');
    expect(a.rollBack.last().input).toMatchObject({ failedIn: 'abort', error: 'stopping' });

    const b = setUp();
    b.body.last().reject(new Error('deadlock'));
    await settle(b.clock);
    b.rollBack.last().resolve({ retry: true, backoffMs: 100 });
    await settle(b.clock);
    b.actor.send({ type: 'ABORT', reason: 'stopping' });
    expect(await toPromise(b.actor)).toMatchObject({ outcome: 'rolledBack', failedIn: 'abort' });

    const c = setUp();
    c.body.last().resolve();
    await settle(c.clock);
    c.actor.send({ type: 'ABORT', reason: 'stopping' });
    expect(c.state()).toBe('committing');
  });

  it('ends rolled back, without crashing, when the rollBack actor fails with an error that carries no verdict', async () => {
    const t = setUp();
    t.body.last().reject(new Error('x'));
    await settle(t.clock);
    t.rollBack.last().reject(new Error('socket closed'));
    expect(await toPromise(t.actor)).toMatchObject({
      outcome: 'rolledBack',
      attempts: 1,
      rollbackError: new Error('socket closed'),
    });
    expect(t.errors).toEqual([]);
  });

  it('retries after a failed ROLLBACK when the error carries a retry verdict and retries are left', async () => {
    const t = setUp({ maxRetries: 1, timeoutMs: 0 });
    const lost = Object.assign(new Error('terminating connection'), { code: '57P01' });
    t.body.last().reject(lost);
    await settle(t.clock);
    const failed = new RollbackFailedError({ retry: true, backoffMs: 40 }, 'Connection terminated', {
      cause: new Error('Connection terminated'),
    });
    t.rollBack.last().reject(failed);
    await settle(t.clock);
    expect(t.state()).toBe('retrying');
    expect(t.actor.getSnapshot().context).toMatchObject({ attempt: 2, backoffMs: 40, failedIn: 'body', error: lost });
    await t.clock.advance(39);
    expect(t.state()).toBe('retrying');
    await t.clock.advance(1);
    expect(t.state()).toBe('active');
    // The second attempt's ROLLBACK fails too: no retries left, whatever the verdict.
    t.body.last().reject(lost);
    await settle(t.clock);
    t.rollBack.last().reject(new RollbackFailedError({ retry: true, backoffMs: 80 }, 'Connection terminated'));
    const output = await toPromise(t.actor);
    expect(output).toMatchObject({ outcome: 'rolledBack', attempts: 2, failedIn: 'body', error: lost });
    expect(isRollbackFailedError(output.rollbackError)).toBe(true);
    expect(t.errors).toEqual([]);
  });

  it('ends rolled back after a failed ROLLBACK whose verdict is no retry, retries left or not', async () => {
    const t = setUp({ maxRetries: 3, timeoutMs: 0 });
    t.body.last().reject(new Error('the function failed'));
    await settle(t.clock);
    t.rollBack
      .last()
      .reject(new RollbackFailedError({ retry: false, backoffMs: 0 }, 'Client was closed and is not queryable'));
    const output = await toPromise(t.actor);
    expect(output).toMatchObject({
      outcome: 'rolledBack',
      attempts: 1,
      failedIn: 'body',
      error: new Error('the function failed'),
    });
    expect(output.rollbackError).toMatchObject({ code: 'ROLLBACK_FAILED', retry: false });
    expect(t.body.runs).toHaveLength(1);
  });

  it('takes the same path on the failed ROLLBACK as recorded in the event log (redacted, a plain object)', async () => {
    const secrets = new SecretRegistry();
    secrets.add('s3cret-pw');
    const failed = new RollbackFailedError(
      { retry: true, backoffMs: 25 },
      secrets.scrub('password s3cret-pw rejected'),
      { cause: new Error('s3cret-pw') },
    );
    const recorded = JSON.parse(JSON.stringify(eventPayload(secrets, { error: failed }))) as {
      error: Record<string, unknown>;
    };
    expect(recorded.error).toMatchObject({ code: 'ROLLBACK_FAILED', retry: true, backoffMs: 25 });
    expect(JSON.stringify(recorded)).not.toContain('s3cret-pw');

    const t = setUp({ maxRetries: 1, timeoutMs: 0 });
    t.body.last().reject(new Error('deadlock'));
    await settle(t.clock);
    t.actor.send({ type: `xstate.error.actor.0.transaction.rollingBack`, error: recorded.error } as never);
    expect(t.state()).toBe('retrying');
    expect(t.actor.getSnapshot().context.backoffMs).toBe(25);
  });

  it('fails safe when src/ provides no actors: the default actors throw and the machine ends rolled back', async () => {
    const actor = createActor(transactionMachine, {
      clock: new TestClock(),
      input: { id: 1, maxRetries: 0, timeoutMs: 0 },
    });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    expect(await toPromise(actor)).toMatchObject({ outcome: 'rolledBack', failedIn: 'body' });
    expect(errors).toEqual([]);
  });
});
