import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * `stately.config.json`: Stator's own manifest of its machines. No Stately tool reads this file;
 * `stator visualize` and the model-based tests do. Format (version 1):
 *
 * ```json
 * {
 *   "version": 1,
 *   "outDir": "visualizations",
 *   "machines": [
 *     { "id": "circuitBreaker", "file": "machines/circuit-breaker.machine.ts", "export": "circuitBreakerMachine" }
 *   ]
 * }
 * ```
 * - `id`: the machine's own `id`, also the base name of its diagrams in `outDir`.
 * - `file`: the machine's source file, relative to the package root.
 * - `export`: the name of the exported machine in that file.
 */
export const manifestSchema = z.strictObject({
  $comment: z.string().optional(),
  version: z.literal(1),
  outDir: z.string().min(1).default('visualizations'),
  machines: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        file: z.string().regex(/^machines\/[\w.-]+\.ts$/),
        export: z.string().min(1),
      }),
    )
    .min(1),
});

export type MachineManifest = z.output<typeof manifestSchema>;
export type ManifestEntry = MachineManifest['machines'][number];

/** The package root: where `package.json` and `stately.config.json` live. */
export function packageRoot(): string {
  // This file is src/visualize/manifest.ts, or dist/src/visualize/manifest.js once built.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.split(path.sep).includes('dist') ? '../../..' : '../..';
  return path.resolve(here, up);
}

/** Reads and validates `stately.config.json` at the package root. */
export async function readManifest(root = packageRoot()): Promise<MachineManifest> {
  const file = path.join(root, 'stately.config.json');
  return manifestSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}

/**
 * The module to import for a manifest entry: the compiled `.js` under `dist/` when running from
 * a build, the `.ts` source when running under a TypeScript-aware runner (vitest).
 */
export function machineModulePath(root: string, entry: ManifestEntry): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.join(root, entry.file);
  return path.join(root, 'dist', entry.file.replace(/\.ts$/, '.js'));
}
