import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { edgesOf, type GraphEdge } from './graph-edges.js';
import { ANY_STATE, initialChildId, transitionLabel } from './graph-labels.js';

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`: compound states as composite states, the
 * initial state of each level marked with `[*] -->`, final states with `--> [*]`, each
 * transition labelled with its event (or `after <delay>`, `always`) and guard; machine-level
 * transitions start from an "(any state)" node.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const root = toDirectedGraph(machine);
  const lines: string[] = ['stateDiagram-v2'];
  const edges: string[] = [];
  if (root.stateNode.description) lines.push(`  %% ${root.stateNode.description}`);
  writeChildren(root, 1, lines, edges);
  // Machine-level transitions (`on` at the root) apply in every state: drawn from one "any state" node.
  const rootEdges = edgesOf(root);
  if (rootEdges.length > 0) lines.push(`  state "${ANY_STATE}" as ${mermaidId(root.id)}`);
  for (const edge of rootEdges) edges.push(edgeLine(edge));
  return [...lines, ...edges].join('\n') + '\n';
}

function writeChildren(node: DirectedGraphNode, depth: number, lines: string[], edges: string[]): void {
  const pad = '  '.repeat(depth);
  const initial = initialChildId(node.stateNode);
  if (initial) lines.push(`${pad}[*] --> ${mermaidId(initial)}`);
  for (const child of node.children) {
    const id = mermaidId(child.id);
    lines.push(`${pad}state "${child.stateNode.key}" as ${id}`);
    if (child.children.length > 0) {
      lines.push(`${pad}state ${id} {`);
      writeChildren(child, depth + 1, lines, edges);
      lines.push(`${pad}}`);
    }
    if (child.stateNode.type === 'final') lines.push(`${pad}${id} --> [*]`);
    for (const edge of edgesOf(child)) edges.push(edgeLine(edge));
  }
}

function edgeLine(edge: GraphEdge): string {
  return `  ${mermaidId(edge.source.id)} --> ${mermaidId(edge.target.id)} : ${escapeLabel(transitionLabel(edge.transition))}`;
}

/** Mermaid ids may not contain dots; state ids are dotted paths. */
export function mermaidId(stateId: string): string {
  return stateId.replace(/[^A-Za-z0-9_]/g, '_');
}

function escapeLabel(label: string): string {
  return label.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();
}
