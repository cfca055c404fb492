import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema.js';
import { createDatabaseLayer, type DatabaseLayer } from '../src/database/index.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { createLogger } from '../src/logging/logger.js';
import { comparePaired } from './harness.js';

/**
 * What the transaction history costs (issue 19): a one-statement SQLite transaction through
 * `stator.db.transaction` with `transaction.history_size: 0` (nothing kept) against the default
 * 100, and the same work through a `stator.db.begin()` handle. SQLite in a temp dir, so the
 * client's own work is most of each call. Paired rounds; ratios against the first row.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stator-bench-history-'));
  const start = async (history_size: number): Promise<DatabaseLayer> => {
    const config = configSchema.parse({
      database: { driver: 'sqlite', filename: `h${history_size}.sqlite` },
      filesystem: { base_path: dir },
      transaction: { history_size },
      monitoring: { performance_threshold: 60 },
    });
    const layer = createDatabaseLayer(createRuntimeContext({ config, logger: createLogger({ silent: true }) }));
    await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
    return layer;
  };
  const off = await start(0);
  const on = await start(100);
  try {
    await comparePaired(
      'database: one-statement SQLite transaction, history off vs on (transaction.history_size 0 / 100)',
      [
        {
          name: 'stator.db.transaction, history_size 0',
          call: () => off.api.transaction((trx) => trx.raw('SELECT 1').then()),
        },
        {
          name: 'stator.db.transaction, history_size 100',
          call: () => on.api.transaction((trx) => trx.raw('SELECT 1').then()),
        },
        {
          name: 'stator.db.begin() + commit(), history_size 100',
          call: async () => {
            const trx = await on.api.begin();
            await trx.knex.raw('SELECT 1');
            await trx.commit();
          },
        },
      ],
      { concurrency: 1 },
    );
  } finally {
    await off.stop(AbortSignal.timeout(5000));
    await on.stop(AbortSignal.timeout(5000));
    rmSync(dir, { recursive: true, force: true });
  }
}
