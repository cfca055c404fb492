import type { AnyStateMachine, AnyTransitionDefinition } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { edgesOf } from '../../src/visualize/graph-edges.js';

/** A stable name for a transition: source state, event (`always` for eventless ones), guard, targets. */
export function transitionKey(t: AnyTransitionDefinition): string {
  const guard = t.guard
    ? typeof t.guard === 'string'
      ? t.guard
      : ((t.guard as { type?: string }).type ?? 'guard')
    : '';
  const targets = (t.target ?? []).map((n) => n.id).join(',') || '(self)';
  return `${t.source.id} --${t.eventType || 'always'}${guard ? ` [${guard}]` : ''}--> ${targets}`;
}

/** Every transition the machine defines (every edge the visualizer draws, eventless ones included). */
export function allTransitions(machine: AnyStateMachine): Set<string> {
  const keys = new Set<string>();
  const walk = (node: DirectedGraphNode): void => {
    for (const edge of edgesOf(node)) keys.add(transitionKey(edge.transition));
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  return keys;
}

/** Every state node id of the machine (atomic and compound, the root excluded). */
export function allStates(machine: AnyStateMachine): Set<string> {
  const ids = new Set<string>();
  const walk = (node: DirectedGraphNode): void => {
    for (const child of node.children) {
      ids.add(child.id);
      walk(child);
    }
  };
  walk(toDirectedGraph(machine));
  return ids;
}
