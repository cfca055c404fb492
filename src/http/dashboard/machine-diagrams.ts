import { machinesById } from '../../../machines/index.js';
import { toDot } from '../../visualize/dot.js';
import { renderSvg } from '../../visualize/svg.js';

/** One machine as the dashboard draws it. */
export interface MachineDiagram {
  readonly id: string;
  /** The same SVG `stator visualize` writes (`visualizations/<id>.svg`): node titles are state ids. */
  readonly svg: string;
}

let diagrams: Promise<readonly MachineDiagram[]> | undefined;

/**
 * Every Stator machine rendered from the graph `stator visualize` uses (`toDot`, then Graphviz in
 * WebAssembly), once per process: offline, no browser-side renderer.
 */
export function machineDiagrams(): Promise<readonly MachineDiagram[]> {
  diagrams ??= Promise.all(
    Object.entries(machinesById).map(async ([id, machine]) => ({ id, svg: await renderSvg(toDot(machine)) })),
  );
  diagrams.catch(() => (diagrams = undefined));
  return diagrams;
}
