import { describe, expect, it } from 'vitest';
import { TransactionRegistry } from '../../../src/database/transaction-registry.js';

function tx() {
  let finish!: () => void;
  const aborted: string[] = [];
  const done = new Promise<void>((r) => (finish = r));
  return {
    handle: {
      abort: (reason: string) => {
        aborted.push(reason);
        finish();
      },
      done,
    },
    finish: () => finish(),
    aborted,
  };
}

describe('TransactionRegistry', () => {
  it('refuses new transactions after refuseNew until acceptNew', () => {
    const r = new TransactionRegistry();
    expect(r.refusedReason).toBeUndefined();
    r.refuseNew('shutting down');
    expect(r.refusedReason).toBe('shutting down');
    r.acceptNew();
    expect(r.refusedReason).toBeUndefined();
  });

  it('drains: waits for running transactions to end', async () => {
    const r = new TransactionRegistry();
    const a = tx();
    r.add(a.handle);
    let drained = false;
    const draining = r.drain(new AbortController().signal).then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    a.finish();
    await draining;
    expect(r.size).toBe(0);
    expect(a.aborted).toEqual([]);
  });

  it('aborts the transactions still running when the drain signal aborts', async () => {
    const r = new TransactionRegistry();
    const a = tx();
    r.add(a.handle);
    const controller = new AbortController();
    const draining = r.drain(controller.signal);
    controller.abort();
    await draining;
    expect(a.aborted).toEqual(['database stopping']);
  });
});
