import { createCacheLayer } from '../cache/index.js';
import type { StatorCache } from '../cache/types.js';
import { createDatabaseLayer } from '../database/index.js';
import { createFilesystemLayer } from '../filesystem/index.js';
import type { BuiltinLayerFactory } from './layer-factory.js';

/**
 * The resources every Stator runs unless `createStator({ layers })` replaces or removes them,
 * in their default order. Each capability's factory is added here once it exists:
 * `createCacheLayer` (src/cache), `createFilesystemLayer` (src/filesystem),
 * `createDatabaseLayer` (src/database).
 */
export const builtinLayers: readonly BuiltinLayerFactory[] = [
  {
    name: 'cache',
    create: (ctx, { resilience }) => {
      const layer = createCacheLayer(ctx, { resilience });
      // Other resources' reads fall back to last good values kept in the cache.
      resilience.setFallbackStore(layer.fallbackStore);
      return { layer, api: layer.api };
    },
  },
  {
    name: 'filesystem',
    create: (ctx, { resilience }) => {
      const layer = createFilesystemLayer(ctx, { resilience });
      return { layer, api: layer.api };
    },
  },
  {
    name: 'database',
    create: (ctx, { resilience, capability }) => {
      const layer = createDatabaseLayer(ctx, {
        resilience,
        // Transactions with `invalidates` clear cache entries once they commit (when a built-in cache runs).
        invalidate: async (spec) => {
          const cache = capability('cache') as StatorCache | undefined;
          if (cache) await cache.invalidate(spec);
        },
      });
      return { layer, api: layer.api };
    },
  },
];
