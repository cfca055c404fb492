import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import type { StatusSnapshot } from '../../../src/status/status-manager.js';
import { faultConfig, SETTINGS } from './support/database-fault-suite.js';
import { FaultProxy } from './support/fault-proxy.js';
import { startPostgres, type FaultServer } from './support/fault-servers.js';
import { TransferLoad } from './support/transfer-load.js';

// Ports of this file: the fault suite's range is 20100–20199.
const PORTS = { server: 20104, proxy: 20114 };
const OUTAGE_MS = 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a 60 s database outage, longer than max_restarts × restart_period', () => {
  let server: FaultServer;
  let proxy: FaultProxy;
  let stator: Stator;
  let dir: string;

  beforeAll(async () => {
    server = await startPostgres(PORTS.server);
    proxy = new FaultProxy(PORTS.proxy, PORTS.server);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'stator-faults-long-'));
    // max_restarts 2 × restart_period 10 s: the outage outlasts the restart intensity three times over.
    stator = createStator({
      config: faultConfig('postgresql', PORTS.proxy, dir),
      logger: createLogger({ silent: true }),
    });
    await stator.start();
  }, 120_000);

  afterAll(async () => {
    await stator?.stop();
    await proxy?.stop();
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('keeps retrying with capped back-off, says down and why, never stops the others, and comes back in the same Stator', async () => {
    const load = new TransferLoad(stator, { ...SETTINGS, workers: 4, accounts: 5, prefix: 'long_' });
    await load.setup();
    const seen: StatusSnapshot[] = [];
    const sub = stator.status$.subscribe((s) => seen.push(s));
    load.start();
    await sleep(500);

    await server.stop();
    await sleep(OUTAGE_MS);
    const during = stator.health();
    await server.start();
    const back = Date.now();
    let recoveredMs = -1;
    while (Date.now() - back < 60_000) {
      if ((await load.transferOnce()).ok && stator.health().status === 'up') {
        recoveredMs = Date.now() - back;
        break;
      }
      await sleep(100);
    }
    await load.stop();
    sub.unsubscribe();
    console.log(
      `60 s outage: recovered ${recoveredMs} ms after the server returned; database restarts ${stator.health().resources.database?.restarts}`,
    );

    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(during.supervisor).toBe('running');
    expect(during.status).toBe('down');
    expect(during.resources.database?.lastError?.message).toMatch(/ECONNREFUSED|refused|connect/i);
    expect(seen.some((s) => (s.resources.database?.backoffMs ?? 0) > 0)).toBe(true);
    expect(seen.every((s) => s.supervisor === 'running')).toBe(true);
    // Restarted past the intensity (2 within 10 s) many times over, and never gave up.
    expect(stator.health().resources.database?.restarts).toBeGreaterThan(6);
    for (const other of ['cache', 'filesystem']) {
      expect(seen.every((s) => s.resources[other]?.state === 'ready')).toBe(true);
    }
    expect(load.overdue()).toEqual([]);
    const verdict = await load.verify();
    expect(verdict).toMatchObject({ lost: [], doubled: [], balancesIntact: true });
    expect(stator.health().status).toBe('up');
  }, 180_000);
});
