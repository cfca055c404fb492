import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { toDot } from './dot.js';
import { machineModulePath, packageRoot, readManifest, type ManifestEntry } from './manifest.js';
import { toMermaid } from './mermaid.js';
import { renderSvg } from './svg.js';
import { toStatelySource } from './stately.js';

/** One generated file of `stator visualize`. */
export interface VisualizationFile {
  readonly path: string;
  readonly content: string;
}

/** Loads the machine a manifest entry names. */
export async function loadMachine(root: string, entry: ManifestEntry): Promise<AnyStateMachine> {
  const mod = (await import(pathToFileURL(machineModulePath(root, entry)).href)) as Record<string, unknown>;
  const machine = mod[entry.export] as AnyStateMachine | undefined;
  if (!machine || typeof (machine as { toJSON?: unknown }).toJSON !== 'function') {
    throw new Error(
      `stately.config.json: ${entry.file} has no machine export named "${entry.export}". Fix the "export" field.`,
    );
  }
  if (machine.id !== entry.id) {
    throw new Error(
      `stately.config.json: the machine in ${entry.file} has id "${machine.id}", not "${entry.id}". Fix the "id" field.`,
    );
  }
  return machine;
}

/** What `stator visualize` writes: the diagrams (`<id>.mmd`, `<id>.svg`, `<id>.json`) or Stately's import source (`<id>.stately.js`). */
export type VisualizationFormat = 'diagrams' | 'stately';

/** Builds, in memory, every file `stator visualize` writes: `<id>.mmd`, `<id>.svg`, `<id>.json` (or `<id>.stately.js`). */
export async function buildVisualizations(
  outDir?: string,
  root = packageRoot(),
  format: VisualizationFormat = 'diagrams',
): Promise<VisualizationFile[]> {
  const manifest = await readManifest(root);
  const dir = path.resolve(root, outDir ?? manifest.outDir);
  const files: VisualizationFile[] = [];
  for (const entry of manifest.machines) {
    const machine = await loadMachine(root, entry);
    if (format === 'stately') {
      files.push({ path: path.join(dir, `${entry.id}.stately.js`), content: toStatelySource(machine) });
      continue;
    }
    files.push({ path: path.join(dir, `${entry.id}.mmd`), content: toMermaid(machine) });
    files.push({ path: path.join(dir, `${entry.id}.svg`), content: await renderSvg(toDot(machine)) });
    files.push({ path: path.join(dir, `${entry.id}.json`), content: JSON.stringify(machine.toJSON(), null, 2) + '\n' });
  }
  return files;
}

/** Writes the visualizations; returns the paths written. */
export async function writeVisualizations(
  outDir?: string,
  root = packageRoot(),
  format: VisualizationFormat = 'diagrams',
): Promise<string[]> {
  const files = await buildVisualizations(outDir, root, format);
  for (const file of files) {
    await mkdir(path.dirname(file.path), { recursive: true });
    await writeFile(file.path, file.content);
  }
  return files.map((f) => f.path);
}

/** The generated files that are missing or differ from what the machines produce now. */
export async function staleVisualizations(outDir?: string, root = packageRoot()): Promise<string[]> {
  const stale: string[] = [];
  for (const file of await buildVisualizations(outDir, root)) {
    const current = await readFile(file.path, 'utf8').catch(() => undefined);
    if (current !== file.content) stale.push(file.path);
  }
  return stale;
}
