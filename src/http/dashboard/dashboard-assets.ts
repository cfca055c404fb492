import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One file the dashboard page loads. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const require = createRequire(import.meta.url);

/**
 * Where each asset is read from: the page's own files beside this module (`public/`, copied into
 * `dist/` by the build) and uPlot from the installed package. Nothing is fetched from a network.
 */
const FILES: Readonly<Record<string, { readonly path: () => string; readonly type: string }>> = {
  '/': { path: () => fileURLToPath(new URL('./public/index.html', import.meta.url)), type: 'text/html; charset=utf-8' },
  '/app.js': {
    path: () => fileURLToPath(new URL('./public/app.js', import.meta.url)),
    type: 'text/javascript; charset=utf-8',
  },
  '/app.css': {
    path: () => fileURLToPath(new URL('./public/app.css', import.meta.url)),
    type: 'text/css; charset=utf-8',
  },
  '/uplot.js': { path: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/uplot.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const loaded = new Map<string, Promise<DashboardAsset>>();

/** The asset at `path` (`/`, `/app.js`, ...), read once per process; undefined for anything else. */
export function dashboardAsset(path: string): Promise<DashboardAsset> | undefined {
  const file = FILES[path];
  if (!file) return undefined;
  let asset = loaded.get(path);
  if (!asset) {
    asset = readFile(file.path()).then((body) => ({ body, contentType: file.type }));
    asset.catch(() => loaded.delete(path));
    loaded.set(path, asset);
  }
  return asset;
}
