import type { AnyStateMachine, EventObject } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { edgesOf } from '../../src/visualize/graph-edges.js';

/** A model event with its payload. */
export type ModelEvent = EventObject & Readonly<Record<string, unknown>>;

/**
 * The events a model tries in every state: one per event type the machine has a transition for
 * (delays and invoke results included, eventless transitions excluded), or the variants given in
 * `variants` for that type (payloads that reach each guarded branch; concrete events for a
 * wildcard such as `xstate.error.actor.*`).
 */
export function machineEvents(
  machine: AnyStateMachine,
  variants: Readonly<Record<string, readonly ModelEvent[]>> = {},
): EventObject[] {
  const types = new Set<string>();
  const walk = (node: DirectedGraphNode): void => {
    for (const edge of edgesOf(node)) if (edge.transition.eventType) types.add(edge.transition.eventType);
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  const events: EventObject[] = [];
  for (const type of types) events.push(...(variants[type] ?? (type.endsWith('*') ? [] : [{ type }])));
  return events;
}
