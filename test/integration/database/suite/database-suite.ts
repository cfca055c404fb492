import { describe } from 'vitest';
import type { Driver } from '../db-fixture.js';
import { contentionAndRecovery } from './contention-and-recovery.js';
import { handles } from './handles.js';
import { optimizer } from './optimizer.js';
import { purge } from './purge.js';
import { queriesAndPool } from './queries-and-pool.js';
import { suiteEnv } from './suite-env.js';
import { transactions } from './transactions.js';

/**
 * The database layer's behavioural suite, the same for every driver. Each test file runs it
 * against one driver, on a database of its own.
 */
export function describeDatabaseSuite(driver: Driver): void {
  describe(`database layer on ${driver}`, () => {
    const env = suiteEnv(driver);
    queriesAndPool(env);
    transactions(env);
    optimizer(env);
    contentionAndRecovery(env);
    purge(env);
    handles(env);
  });
}
