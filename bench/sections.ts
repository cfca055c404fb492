/**
 * Every benchmark section, in the order `npm run bench` runs them. Each capability adds its own
 * file `bench/<name>.bench.ts` exporting `run(): Promise<void>` and a line here.
 * `npm run bench -- breaker pool` runs only the named sections.
 */
export interface BenchSection {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export const sections: readonly BenchSection[] = [
  { name: 'breaker', run: () => import('./breaker.bench.js').then((m) => m.run()) },
  { name: 'pipeline', run: () => import('./pipeline.bench.js').then((m) => m.run()) },
  { name: 'database', run: () => import('./database.bench.js').then((m) => m.run()) },
  { name: 'transaction-records', run: () => import('./transaction-records.bench.js').then((m) => m.run()) },
  { name: 'pool', run: () => import('./pool.bench.js').then((m) => m.run()) },
  { name: 'status', run: () => import('./status.bench.js').then((m) => m.run()) },
  { name: 'security', run: () => import('./security.bench.js').then((m) => m.run()) },
  { name: 'startup', run: () => import('./startup.bench.js').then((m) => m.run()) },
  { name: 'events', run: () => import('./events.bench.js').then((m) => m.run()) },
  { name: 'cache', run: () => import('./cache.bench.js').then((m) => m.run()) },
  { name: 'dashboard', run: () => import('./dashboard.bench.js').then((m) => m.run()) },
  { name: 'otel', run: () => import('./otel.bench.js').then((m) => m.run()) },
  { name: 'tls', run: () => import('./tls.bench.js').then((m) => m.run()) },
];
