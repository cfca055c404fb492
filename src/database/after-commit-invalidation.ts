import type { RuntimeContext } from '../kernel/context.js';
import type { InvalidationSpec } from './transaction-options.js';

/**
 * Runs the cache invalidations a committed transaction asked for (its own and those of its
 * released savepoints), merged into one call. Never throws: the commit stands whatever the cache
 * says; a failure is logged, published as `transaction.invalidation_failed` and returned.
 */
export async function invalidateAfterCommit(
  env: { readonly ctx: RuntimeContext; readonly invalidate?: (spec: InvalidationSpec) => Promise<void> },
  source: string,
  specs: readonly InvalidationSpec[],
): Promise<Error | undefined> {
  if (!specs.length) return undefined;
  if (!env.invalidate) {
    env.ctx.logger.warn(
      'database: a transaction asked for a cache invalidation, but no cache invalidation is wired to the database layer',
    );
    return undefined;
  }
  const tags = [...new Set(specs.flatMap((s) => s.tags ?? []))];
  const keys = [...new Set(specs.flatMap((s) => s.keys ?? []))];
  try {
    await env.invalidate({ ...(tags.length ? { tags } : {}), ...(keys.length ? { keys } : {}) });
    env.ctx.events.emit(source, 'transaction.invalidated', { tags, keys });
    return undefined;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    env.ctx.logger.warn('database: cache invalidation after commit failed; the commit stands', {
      error: e,
      tags,
      keys,
    });
    env.ctx.events.emit(source, 'transaction.invalidation_failed', { tags, keys, error: e.message });
    return e;
  }
}
