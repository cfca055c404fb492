import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { edgesOf } from './graph-edges.js';
import { ANY_STATE, initialChildId, transitionLabel } from './graph-labels.js';

/**
 * Renders a machine as a Graphviz DOT digraph (compound states as clusters), the input of the
 * offline SVG renderer. Edges to or from a compound state attach to an invisible anchor inside
 * its cluster.
 */
export function toDot(machine: AnyStateMachine): string {
  const root = toDirectedGraph(machine);
  const lines: string[] = [
    `digraph ${quote(root.id)} {`,
    '  compound=true; rankdir=LR; fontname="Helvetica";',
    '  node [shape=box, style="rounded,filled", fillcolor="#f5f7ff", color="#5b6bbf", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    `  label=${quote(root.id)}; labelloc=t;`,
  ];
  const compound = new Set<string>();
  collectCompound(root, compound);
  writeNodes(root, 1, lines, compound);
  const edges: string[] = [];
  // Machine-level transitions (`on` at the root) apply in every state: drawn from one "any state" node.
  if (edgesOf(root).length > 0) {
    lines.push(`  ${quote(root.id)} [label=${quote(ANY_STATE)}, shape=note, style=dashed];`);
    writeEdges(root, edges, compound);
  }
  collectEdges(root, edges, compound);
  lines.push(...edges, '}');
  return lines.join('\n') + '\n';
}

function collectCompound(node: DirectedGraphNode, out: Set<string>): void {
  for (const child of node.children) {
    if (child.children.length > 0) out.add(child.id);
    collectCompound(child, out);
  }
}

function anchor(id: string, compound: ReadonlySet<string>): string {
  return compound.has(id) ? `${id}.__anchor` : id;
}

function writeNodes(node: DirectedGraphNode, depth: number, lines: string[], compound: ReadonlySet<string>): void {
  const pad = '  '.repeat(depth);
  const initial = initialChildId(node.stateNode);
  if (initial) {
    const start = `${node.id}.__initial`;
    lines.push(`${pad}${quote(start)} [shape=point, width=0.12, label=""];`);
    lines.push(`${pad}${quote(start)} -> ${quote(anchor(initial, compound))};`);
  }
  for (const child of node.children) {
    if (child.children.length > 0) {
      lines.push(`${pad}subgraph ${quote(`cluster_${child.id}`)} {`);
      lines.push(`${pad}  label=${quote(child.stateNode.key)}; style=rounded; color="#5b6bbf";`);
      lines.push(`${pad}  ${quote(`${child.id}.__anchor`)} [shape=point, style=invis, width=0.01, label=""];`);
      writeNodes(child, depth + 1, lines, compound);
      lines.push(`${pad}}`);
    } else {
      const final = child.stateNode.type === 'final' ? ', peripheries=2' : '';
      lines.push(`${pad}${quote(child.id)} [label=${quote(child.stateNode.key)}${final}];`);
    }
  }
}

function collectEdges(node: DirectedGraphNode, out: string[], compound: ReadonlySet<string>): void {
  for (const child of node.children) {
    writeEdges(child, out, compound);
    collectEdges(child, out, compound);
  }
}

function writeEdges(node: DirectedGraphNode, out: string[], compound: ReadonlySet<string>): void {
  for (const edge of edgesOf(node)) {
    const attrs = [`label=${quote(transitionLabel(edge.transition))}`];
    if (compound.has(edge.source.id)) attrs.push(`ltail=${quote(`cluster_${edge.source.id}`)}`);
    if (compound.has(edge.target.id) && edge.target.id !== edge.source.id)
      attrs.push(`lhead=${quote(`cluster_${edge.target.id}`)}`);
    out.push(
      `  ${quote(anchor(edge.source.id, compound))} -> ${quote(anchor(edge.target.id, compound))} [${attrs.join(', ')}];`,
    );
  }
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
