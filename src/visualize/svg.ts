import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

/** Renders DOT to SVG with Graphviz compiled to WebAssembly: offline, no browser. */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= instance();
  const result = (await viz).render(dot, { format: 'svg' });
  if (result.status !== 'success') {
    const detail = result.errors.map((e) => e.message).join('; ');
    throw new Error(`Graphviz could not render the diagram: ${detail}`);
  }
  return result.output;
}
