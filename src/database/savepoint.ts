import type { InvalidationSpec, TransactionOptions, TransactionResult } from './transaction-options.js';
import type { TransactionBody } from './transaction-session.js';
import { transactionScope, type TransactionScope } from './transaction-scope.js';

/**
 * Runs `fn` in a savepoint of the transaction of `scope` (a `stator.db.transaction()` call nested
 * in another, or `TransactionHandle.transaction()`): no retry, no own timeout; its invalidations
 * run after the outermost COMMIT, and are dropped when its savepoint rolls back.
 */
export async function runSavepoint<T>(
  scope: TransactionScope,
  fn: TransactionBody<T>,
  options: TransactionOptions,
): Promise<TransactionResult<T>> {
  const invalidations: InvalidationSpec[] = [];
  const from = scope.log.entries.length;
  const value = (await scope.trx.transaction((sp) =>
    transactionScope.run({ ...scope, trx: sp, invalidations }, () => fn(sp, { attempt: 1, signal: scope.signal })),
  )) as T;
  if (options.invalidates) invalidations.push(options.invalidates);
  scope.invalidations.push(...invalidations);
  return { value, attempts: 1, log: scope.log.entries.slice(from) };
}
