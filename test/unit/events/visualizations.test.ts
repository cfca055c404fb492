import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { machinesById } from '../../../machines/index.js';
import { packageRoot, readManifest } from '../../../src/visualize/manifest.js';
import { buildVisualizations, staleVisualizations } from '../../../src/visualize/visualize.js';

const root = packageRoot();

describe('visualizations/', () => {
  it('stately.config.json lists every machine of machines/index.ts, and only those', async () => {
    const manifest = await readManifest(root);
    expect(manifest.machines.map((m) => m.id).sort()).toEqual(Object.keys(machinesById).sort());
    expect(manifest.machines.map((m) => m.id).sort()).toEqual([
      'alert',
      'circuitBreaker',
      'connection',
      'resource',
      'supervisor',
      'transaction',
    ]);
  });

  it('is up to date with the machines (run `npm run visualize` and commit when this fails)', async () => {
    const stale = (await staleVisualizations(undefined, root)).map((f) => path.relative(root, f));
    expect(stale).toEqual([]);
  });

  it('renders the same bytes twice (deterministic output)', async () => {
    const first = await buildVisualizations(undefined, root);
    const second = await buildVisualizations(undefined, root);
    expect(second.map((f) => f.content)).toEqual(first.map((f) => f.content));
  });

  it('holds, per machine, an SVG document with an <svg> root and a viewBox, naming every top-level state', async () => {
    const manifest = await readManifest(root);
    for (const entry of manifest.machines) {
      const text = await readFile(path.join(root, manifest.outDir, `${entry.id}.svg`), 'utf8');
      const errors: string[] = [];
      const doc = new DOMParser({
        onError: (level, message) => void (level !== 'warning' && errors.push(message)),
      }).parseFromString(text, 'image/svg+xml');
      expect(errors, entry.id).toEqual([]);
      const svg = doc.documentElement;
      expect(svg?.nodeName, entry.id).toBe('svg');
      expect(svg?.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
      expect(svg?.getAttribute('viewBox')).toMatch(/^[\d.]+ [\d.]+ [\d.]+ [\d.]+$/);
      const labels = Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent ?? '');
      const machine = machinesById[entry.id];
      for (const state of Object.keys(machine?.root.states ?? {})) expect(labels, `${entry.id}.svg`).toContain(state);
    }
  });

  it('holds a Mermaid stateDiagram-v2 and the JSON definition of each machine', async () => {
    const manifest = await readManifest(root);
    for (const entry of manifest.machines) {
      const mermaid = await readFile(path.join(root, manifest.outDir, `${entry.id}.mmd`), 'utf8');
      expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
      const json = JSON.parse(await readFile(path.join(root, manifest.outDir, `${entry.id}.json`), 'utf8')) as {
        id: string;
      };
      expect(json.id).toBe(entry.id);
    }
  });
});
