import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/logging/logger.js';
import { createStator } from '../../../../src/runtime/create-stator.js';
import type { Stator } from '../../../../src/runtime/stator.js';
import { SETTINGS } from './database-fault-suite.js';
import { FAULTS, runFaultCase, type CaseReport } from './fault-case.js';
import { FaultProxy } from './fault-proxy.js';
import { startMemcachedServer, startRedisServer, type FaultServer } from './fault-servers.js';
import { TransferLoad } from './transfer-load.js';

/**
 * Every fault of {@link FAULTS} against the suite's own Redis or Memcached (behind the proxy)
 * under cache calls and transfers (on the shared PostgreSQL, tables of this file's own): the
 * cache comes back by itself in the same Stator, the database is never stopped, and no call
 * passes its deadline + 1 s.
 */
export function cacheFaultSuite(kind: 'redis' | 'memcached', ports: { server: number; proxy: number }): void {
  describe(`${kind}: faults under cache calls and transfers`, () => {
    let server: FaultServer;
    let proxy: FaultProxy;
    let stator: Stator;
    let load: TransferLoad;
    let dir: string;
    const reports: CaseReport[] = [];

    beforeAll(async () => {
      proxy = new FaultProxy(ports.proxy, ports.server);
      server =
        kind === 'redis'
          ? await startRedisServer(ports.server)
          : await startMemcachedServer(ports.server, () => proxy.reset());
      await proxy.start();
      dir = mkdtempSync(join(tmpdir(), `stator-faults-${kind}-`));
      stator = createStator({
        config: {
          cache: {
            driver: kind,
            host: '127.0.0.1',
            port: ports.proxy,
            timeout: SETTINGS.cacheTimeout,
            retry_attempts: 1,
            retry_delay: 0.3,
            key_prefix: `stator-faults-${kind}:`,
          },
          database: {
            driver: 'postgresql',
            host: '127.0.0.1',
            port: 5432,
            database: 'test',
            username: 'postgres',
            timeout: 2,
          },
          filesystem: { base_path: dir },
          connection_pool: { max_connections: 6, acquire_timeout: 1 },
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
        },
        logger: createLogger({ silent: true }),
      });
      await stator.start();
      load = new TransferLoad(stator, {
        ...SETTINGS,
        workers: 8,
        accounts: 10,
        prefix: `fault_${kind}_`,
        pattern: 'tccc',
      });
      await load.setup();
    }, 120_000);

    afterAll(async () => {
      for (const r of reports) {
        console.log(
          `${kind} ${r.fault}: recovered ${r.recoveryMs} ms after the heal; status ${[...r.statuses].join('/')}; ${JSON.stringify(r.tally)}`,
        );
      }
      await stator?.db.knex.schema.dropTableIfExists(`fault_${kind}_ledger`).catch(() => undefined);
      await stator?.db.knex.schema.dropTableIfExists(`fault_${kind}_accounts`).catch(() => undefined);
      await stator?.stop();
      await proxy?.stop();
      await server?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    for (const fault of FAULTS) {
      it(`${fault}: the cache comes back by itself, the database is untouched, no call past its deadline`, async () => {
        const report = await runFaultCase({ stator, load, server, proxy, fault, outageMs: 2500, resource: 'cache' });
        reports.push(report);
        expect(report.recoveryMs).toBeGreaterThanOrEqual(0);
        expect(
          report.overdue.map((o) => `${o.kind} ${o.code ?? 'ok'} ${o.endedAt - o.startedAt} ms > ${o.deadlineMs} ms`),
        ).toEqual([]);
        expect([...report.supervisorPhases]).toEqual(['running']);
        expect(stator.health().resources.database?.restarts).toBe(0);
        const verdict = await load.verify();
        expect(verdict.lost).toEqual([]);
        expect(verdict.doubled).toEqual([]);
        expect(verdict.balancesIntact).toBe(true);
        expect(await stator.cache.get('fault-probe')).toBeDefined();
        // Status follows the next health check after the heal: wait for it to say `up`.
        const up = await firstValueFrom(
          stator.status$.pipe(
            filter((s) => s.status === 'up'),
            timeout(60_000),
          ),
        ).catch(() => stator.health());
        expect(up.status).toBe('up');
      }, 120_000);
    }
  });
}
