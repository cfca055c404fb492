import type { Stator } from '../../../../src/runtime/stator.js';
import type { StatusSnapshot } from '../../../../src/status/status-manager.js';
import type { FaultProxy } from './fault-proxy.js';
import type { FaultServer } from './fault-servers.js';
import type { Outcome, TransferLoad } from './transfer-load.js';

/** The faults of the suite. */
export const FAULTS = ['freeze', 'kill-connections', 'stop-start', 'crash-restart', 'blackhole', 'reset'] as const;
export type Fault = (typeof FAULTS)[number];

/** What one case saw. */
export interface CaseReport {
  readonly fault: Fault;
  /** From the heal to the first successful call with status `up` (ms). */
  readonly recoveryMs: number;
  readonly overdue: readonly Outcome[];
  readonly supervisorPhases: ReadonlySet<string>;
  readonly statuses: ReadonlySet<string>;
  /** Calls of the case by kind and outcome (`transfer ok`, `transfer TRANSACTION_TIMEOUT`, ...). */
  readonly tally: Readonly<Record<string, number>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Applies `fault` for `outageMs` (the instant ones: once), then heals it. */
export async function applyFault(
  fault: Fault,
  server: FaultServer,
  proxy: FaultProxy,
  outageMs: number,
): Promise<void> {
  switch (fault) {
    case 'freeze':
      server.freeze();
      await sleep(outageMs);
      server.thaw();
      return;
    case 'kill-connections':
      await server.killConnections();
      return;
    case 'stop-start':
      await server.stop();
      await sleep(outageMs);
      await server.start();
      return;
    case 'crash-restart':
      await server.crash();
      await sleep(outageMs);
      await server.start();
      return;
    case 'blackhole':
      proxy.blackhole();
      await sleep(outageMs);
      await proxy.heal();
      return;
    case 'reset':
      proxy.reset();
      return;
  }
}

/**
 * Runs the load, applies the fault under it, heals, and waits until a call of `resource`
 * succeeds and status is `up` again (polling; gives up after `giveUpMs` so a broken recovery
 * fails the test rather than hanging it).
 */
export async function runFaultCase(options: {
  stator: Stator;
  load: TransferLoad;
  server: FaultServer;
  proxy: FaultProxy;
  fault: Fault;
  outageMs: number;
  resource: 'database' | 'cache';
  giveUpMs?: number;
}): Promise<CaseReport> {
  const { stator, load, fault } = options;
  const supervisorPhases = new Set<string>();
  const statuses = new Set<string>();
  const sub = stator.status$.subscribe((s: StatusSnapshot) => {
    supervisorPhases.add(s.supervisor);
    statuses.add(s.status);
  });
  const from = load.outcomes.length;
  load.start();
  await sleep(800);
  await applyFault(fault, options.server, options.proxy, options.outageMs);
  const healedAt = Date.now();
  const giveUp = healedAt + (options.giveUpMs ?? 90_000);
  let recoveryMs = -1;
  while (Date.now() < giveUp) {
    const ok =
      options.resource === 'database'
        ? (await load.transferOnce()).ok
        : await stator.cache.set('fault-probe', healedAt).then(
            () => true,
            () => false,
          );
    if (ok && stator.health().status === 'up') {
      recoveryMs = Date.now() - healedAt;
      break;
    }
    await sleep(100);
  }
  await sleep(500);
  await load.stop();
  sub.unsubscribe();
  const mine = load.outcomes.slice(from);
  const overdue = load.overdue().filter((o) => mine.includes(o));
  const tally: Record<string, number> = {};
  for (const o of mine) {
    const key = `${o.kind} ${o.ok ? 'ok' : o.code}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return { fault, recoveryMs, overdue, supervisorPhases, statuses, tally };
}
