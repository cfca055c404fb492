import type { ConfigProblem } from '../errors/config-invalid-error.js';
import type { StatorConfig } from './schema.js';

/** The sections that passed their own schema; rules that need a missing one are skipped. */
export type ValidSections = Partial<StatorConfig>;

type Rule = (config: ValidSections) => ConfigProblem[];

/** `connection_pool.min_connections` may not exceed `max_connections`. */
const poolBounds: Rule = ({ connection_pool: pool }) =>
  pool && pool.min_connections > pool.max_connections
    ? [
        {
          path: 'connection_pool.min_connections',
          message: `expected at most connection_pool.max_connections (${pool.max_connections}), got ${pool.min_connections}`,
        },
      ]
    : [];

/** Driver-specific cache keys only with their driver. */
const cacheDriverKeys: Rule = ({ cache }) => {
  if (!cache) return [];
  const problems: ConfigProblem[] = [];
  const only = (key: 'servers' | 'cluster' | 'sentinel', driver: string): void => {
    if (cache[key] !== undefined && cache.driver !== driver) {
      problems.push({
        path: `cache.${key}`,
        message: `only allowed with cache.driver ${driver}, got driver ${JSON.stringify(cache.driver)}; remove it or set cache.driver: ${driver}`,
      });
    }
  };
  only('servers', 'memcached');
  only('cluster', 'redis');
  only('sentinel', 'redis');
  if (cache.cluster && cache.sentinel) {
    problems.push({
      path: 'cache.sentinel',
      message: 'cannot be combined with cache.cluster, got both; keep the one your Redis deployment uses',
    });
  }
  return problems;
};

/** No back-off delay may be longer than the cap. */
const retryDelayCap: Rule = ({ error_handling: handling }) =>
  handling && handling.retry.max_delay < handling.retry.delay
    ? [
        {
          path: 'error_handling.retry.max_delay',
          message: `expected at least error_handling.retry.delay (${handling.retry.delay}), got ${handling.retry.max_delay}`,
        },
      ]
    : [];

const RULES: readonly Rule[] = [poolBounds, cacheDriverKeys, retryDelayCap];

/** Rules that involve more than one key, checked on every section that is valid by itself. */
export const crossFieldProblems = (config: ValidSections): ConfigProblem[] => RULES.flatMap((rule) => rule(config));
