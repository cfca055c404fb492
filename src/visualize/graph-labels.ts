import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** The label of the node that stands for the machine itself, source of its machine-level transitions. */
export const ANY_STATE = '(any state)';

/**
 * A readable label for a transition: the event, `after <delay>` for delayed transitions,
 * `done` / `error` for invoke and state completion, and the guard in brackets.
 */
export function transitionLabel(transition: AnyTransitionDefinition): string {
  const event = eventLabel(transition.eventType);
  const guard = guardName(transition.guard);
  return guard ? `${event} [${guard}]` : event;
}

function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.(.+?)\.[^.]*(?:\..*)?$/.exec(eventType);
  if (after?.[1]) return `after ${afterDelay(eventType)}`;
  if (eventType.startsWith('xstate.done.state.')) return 'done';
  const doneActor = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (doneActor?.[1]) return `done: ${doneActor[1]}`;
  const errorActor = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (errorActor?.[1]) return `error: ${errorActor[1]}`;
  return eventType === '' ? 'always' : eventType;
}

/** `xstate.after.<delay>.<stateId>`: the delay is the segment after `after.`, up to the state id. */
function afterDelay(eventType: string): string {
  const rest = eventType.slice('xstate.after.'.length);
  const dot = rest.indexOf('.');
  return dot === -1 ? rest : rest.slice(0, dot);
}

function guardName(guard: unknown): string | undefined {
  if (!guard) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  if (typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  return undefined;
}

/** The id of a state node's initial child, if it has one. */
export function initialChildId(node: AnyStateNode): string | undefined {
  const initial = node.initial as { target?: readonly AnyStateNode[] } | undefined;
  return initial?.target?.[0]?.id;
}
