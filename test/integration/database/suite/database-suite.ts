import { describe } from 'vitest';
import type { DbServer, Driver } from '../db-fixture.js';
import { contentionAndRecovery } from './contention-and-recovery.js';
import { handles } from './handles.js';
import { optimizer } from './optimizer.js';
import { purge } from './purge.js';
import { queriesAndPool } from './queries-and-pool.js';
import { suiteEnv } from './suite-env.js';
import { transactions } from './transactions.js';

/**
 * The database layer's behavioural suite, the same for every driver. Each test file runs it
 * against one driver, on a database of its own; `server` runs it on a server the file started
 * (over TLS in `test/integration/tls`), `label` names that run.
 */
export function describeDatabaseSuite(driver: Driver, server?: () => DbServer, label = ''): void {
  describe(`database layer on ${driver}${label}`, () => {
    const env = suiteEnv(driver, server);
    queriesAndPool(env);
    transactions(env);
    optimizer(env);
    contentionAndRecovery(env);
    purge(env);
    handles(env);
  });
}
