import type { AnyActorRef, EventObject } from 'xstate';
import type { Clock } from './clock.js';

/*
 * The one place that reaches into XState's private structures (the system's scheduler and its
 * scheduled events, an actor's parent). XState keeps delayed events stamped with `Date.now()` and
 * forgets them on restore; persistence and the simulated clock need both. When XState changes
 * these internals, this file is the only one to adapt.
 */

/** A delayed event as XState's system keeps it. */
export interface ScheduledEvent {
  id: string;
  event: EventObject;
  startedAt: number;
  delay: number;
  source: AnyActorRef;
  target: AnyActorRef;
}

/** The parts of XState's actor system that hold delayed events. */
export interface SchedulingSystem {
  scheduler: {
    schedule(source: AnyActorRef, target: AnyActorRef, event: EventObject, delay: number, id?: string): void;
  };
  getSnapshot(): { _scheduledEvents: Record<string, ScheduledEvent> };
  _snapshot: { _scheduledEvents: Record<string, ScheduledEvent> };
}

const stamped = new WeakSet<object>();

/**
 * Makes the actor system record when each delayed event was scheduled on `clock` (XState uses
 * `Date.now()`, which a simulated clock does not move). Called by `startMachine` before start.
 */
export function stampSchedulerWithClock(actor: AnyActorRef, clock: Clock): void {
  const system = schedulingSystem(actor);
  if (stamped.has(system)) return;
  stamped.add(system);
  const schedule = system.scheduler.schedule.bind(system.scheduler);
  system.scheduler.schedule = (source, target, event, delay, id) => {
    const before = new Set(Object.keys(system._snapshot._scheduledEvents));
    schedule(source, target, event, delay, id);
    for (const [key, scheduled] of Object.entries(system._snapshot._scheduledEvents)) {
      if (!before.has(key)) scheduled.startedAt = clock.now();
    }
  };
}

/** The actor system of `actor`, seen through the scheduler internals. */
export function schedulingSystem(actor: AnyActorRef): SchedulingSystem {
  return actor.system as unknown as SchedulingSystem;
}

/** Path of child ids from `root` to `ref` (`[]` for the root itself). */
export function pathOf(ref: AnyActorRef, root: AnyActorRef): string[] {
  const path: string[] = [];
  let current: AnyActorRef | undefined = ref;
  while (current && current !== root) {
    path.unshift(current.id);
    current = (current as { _parent?: AnyActorRef })._parent;
  }
  return path;
}

/** The actor at `path` of child ids under `root`, if it exists. */
export function resolvePath(root: AnyActorRef, path: readonly string[]): AnyActorRef | undefined {
  let current: AnyActorRef | undefined = root;
  for (const id of path) {
    const children: Record<string, AnyActorRef> | undefined = (
      current?.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined
    )?.children;
    current = children?.[id];
  }
  return current;
}
