import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/logging/logger.js';
import { createStator } from '../../../../src/runtime/create-stator.js';
import type { Stator } from '../../../../src/runtime/stator.js';
import { FAULTS, runFaultCase, type CaseReport } from './fault-case.js';
import { FaultProxy } from './fault-proxy.js';
import { startMariadb, startPostgres, type FaultServer } from './fault-servers.js';
import { RelapseTrail } from './relapse-trail.js';
import { TransferLoad, type LoadSettings } from './transfer-load.js';

/** Short settings, so that each case takes seconds: what the deadlines are computed from. */
export const SETTINGS = { transactionTimeout: 2, commitTimeout: 1, retryMaxDelay: 0.2, cacheTimeout: 1 } as const;

/** The configuration of a Stator on `driver` behind the proxy on `proxyPort`. */
export function faultConfig(driver: 'postgresql' | 'mysql', proxyPort: number, basePath: string) {
  return {
    cache: { driver: 'memory' as const },
    database: {
      driver,
      host: '127.0.0.1',
      port: proxyPort,
      database: driver === 'postgresql' ? 'postgres' : 'faults',
      username: driver === 'postgresql' ? 'postgres' : 'root',
      timeout: 1,
      retry_attempts: 1,
      retry_delay: 0.3,
    },
    filesystem: { base_path: basePath },
    connection_pool: { max_connections: 8, acquire_timeout: 1, validation_interval: 1 },
    transaction: {
      timeout: SETTINGS.transactionTimeout,
      commit_timeout: SETTINGS.commitTimeout,
      retry_attempts: 2,
      retry_max_delay: SETTINGS.retryMaxDelay,
    },
    monitoring: { health_interval: 1 },
    supervisor: { max_restarts: 2, restart_period: 10, initial_backoff: 0.5, max_backoff: 2 },
    error_handling: {
      retry: { max_attempts: 2, delay: 0.05 },
      circuit_breaker: { shared: false, reset_timeout: 5, trial_timeout: 1 },
    },
  };
}

/**
 * Every fault of {@link FAULTS} against a server of the suite's own under concurrent transfers:
 * 0 lost, 0 doubled, balances intact, no call past its deadline + 1 s, and recovery to a
 * successful transfer with status `up`, in the same Stator (no process restart).
 */
export function databaseFaultSuite(kind: 'postgresql' | 'mariadb', ports: { server: number; proxy: number }): void {
  describe(`${kind}: faults under concurrent transfers`, () => {
    let server: FaultServer;
    let proxy: FaultProxy;
    let stator: Stator;
    let load: TransferLoad;
    let dir: string;
    const reports: CaseReport[] = [];

    beforeAll(async () => {
      server = kind === 'postgresql' ? await startPostgres(ports.server) : await startMariadb(ports.server);
      proxy = new FaultProxy(ports.proxy, ports.server);
      await proxy.start();
      dir = mkdtempSync(join(tmpdir(), `stator-faults-${kind}-`));
      stator = createStator({
        config: faultConfig(kind === 'postgresql' ? 'postgresql' : 'mysql', ports.proxy, dir),
        logger: createLogger({ silent: true }),
      });
      await stator.start();
      const settings: LoadSettings = { ...SETTINGS, workers: 12, accounts: 10, prefix: 'fault_' };
      load = new TransferLoad(stator, settings);
      await load.setup();
    }, 120_000);

    afterAll(async () => {
      for (const r of reports) {
        console.log(
          `${kind} ${r.fault}: recovered ${r.recoveryMs} ms after the heal; status ${[...r.statuses].join('/')}; ${JSON.stringify(r.tally)}`,
        );
      }
      await stator?.stop();
      await proxy?.stop();
      await server?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    for (const fault of FAULTS) {
      it(`${fault}: nothing lost or doubled, no call past its deadline, back up in the same Stator`, async () => {
        const report = await runFaultCase({ stator, load, server, proxy, fault, outageMs: 2500, resource: 'database' });
        reports.push(report);
        expect(report.recoveryMs).toBeGreaterThanOrEqual(0);
        expect(
          report.overdue.map((o) => `${o.kind} ${o.code ?? 'ok'} ${o.endedAt - o.startedAt} ms > ${o.deadlineMs} ms`),
        ).toEqual([]);
        expect([...report.supervisorPhases]).toEqual(['running']);
        // What the database's machines report from here on: printed if the runtime relapses.
        const trail = new RelapseTrail(stator);
        try {
          // The check reads through the same breaker, so a relapse that opened it fails it.
          const verdict = await load.verify();
          expect(verdict.lost).toEqual([]);
          expect(verdict.doubled).toEqual([]);
          expect(verdict.balancesIntact).toBe(true);
          expect(verdict.acknowledged).toBeGreaterThan(0);
          // Still up after the check: no relapse (once, acquire timeouts of callers that outran
          // a pool still opening its connections after a restart opened the breaker).
          expect(stator.health().status).toBe('up');
          expect(trail.relapsed).toBe(false);
        } catch (error) {
          console.log(`${kind} ${fault}: after recovering\n${trail.print()}`);
          throw error;
        } finally {
          trail.stop();
        }
      }, 120_000);
    }
  });
}
