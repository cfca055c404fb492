import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import type { DirectedGraphNode } from 'xstate/graph';

/** One drawn transition: from a state node to one of its targets. */
export interface GraphEdge {
  readonly source: AnyStateNode;
  readonly target: AnyStateNode;
  readonly transition: AnyTransitionDefinition;
}

/**
 * Every transition leaving a state node, one edge per target: the event transitions
 * `toDirectedGraph` lists, and the eventless (`always`) ones it leaves out, such as the
 * supervisor's `starting → running`. A targetless transition is an edge to its own state.
 */
export function edgesOf(node: DirectedGraphNode): GraphEdge[] {
  const edges: GraphEdge[] = node.edges.map((e) => ({ source: e.source, target: e.target, transition: e.transition }));
  const always = (node.stateNode as { always?: readonly AnyTransitionDefinition[] }).always ?? [];
  for (const transition of always) {
    for (const target of transition.target ?? [node.stateNode])
      edges.push({ source: node.stateNode, target, transition });
  }
  return edges;
}
