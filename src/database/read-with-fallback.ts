import type { Knex } from 'knex';
import type { Served } from '../resilience/fallback/fallback-store.js';
import type { Pipeline } from '../resilience/pipeline/pipeline.js';
import type { DbReadOptions, DbReadQuery } from './database-api.js';

/**
 * `stator.db.read`: the query (counted, gated and retried like every query of `stator.db.knex`),
 * its result remembered under `key` for the fallback chain; on failure the chain of the
 * `database` pipeline answers (`cache`, `local`, `default`). Without a pipeline, a plain read.
 */
export async function readWithFallback<T>(
  knex: Knex,
  pipeline: Pipeline | undefined,
  key: string,
  query: DbReadQuery<T>,
  options: DbReadOptions<T> | undefined,
): Promise<Served<T>> {
  let value: T;
  try {
    value = await (typeof query === 'function' ? query(knex) : query);
  } catch (error) {
    if (!pipeline) throw error;
    const fallbackDefault = options && 'default' in options ? { default: { value: options.default as T } } : undefined;
    return pipeline.recover('read', key, error, fallbackDefault);
  }
  pipeline?.remember(key, value);
  return { value, source: 'primary', stale: false };
}
