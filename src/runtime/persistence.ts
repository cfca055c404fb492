import type { AnyActorRef, AnyStateMachine, Actor, EventObject, Snapshot } from 'xstate';
import type { Clock } from './clock.js';
import type { RuntimeContext } from './context.js';
import { startMachine } from './actor.js';

/**
 * A machine actor saved to JSON: XState's persisted snapshot, plus the delayed events that were
 * pending when it was saved. XState does not restore those (its scheduler forgets them and
 * stamps them with `Date.now()`, not the actor's clock); {@link restoreMachine} re-arms them, so a
 * breaker restored in `open` still half-opens on time.
 */
export interface PersistedMachine {
  readonly v: 1;
  /** The machine's id. */
  readonly machine: string;
  /** Clock time of the save. */
  readonly savedAt: number;
  readonly snapshot: Snapshot<unknown>;
  /** Pending delayed events: who sent them to whom (as paths of child ids from the root), and when they fall due. */
  readonly timers: readonly PersistedTimer[];
}

/** A delayed event pending at save time. */
export interface PersistedTimer {
  readonly id: string;
  /** Path of child ids from the root actor; `[]` is the root. */
  readonly source: readonly string[];
  readonly target: readonly string[];
  readonly event: EventObject;
  /** Clock time at which it falls due. */
  readonly dueAt: number;
}

interface ScheduledEvent {
  id: string;
  event: EventObject;
  startedAt: number;
  delay: number;
  source: AnyActorRef;
  target: AnyActorRef;
}

interface SchedulingSystem {
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
  const system = actor.system as unknown as SchedulingSystem;
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

/** Saves an actor started with `startMachine` (snapshot and pending delayed events). */
export function persistMachine(actor: Actor<AnyStateMachine>, clock: Clock): PersistedMachine {
  const system = actor.system as unknown as SchedulingSystem;
  const timers: PersistedTimer[] = [];
  for (const scheduled of Object.values(system.getSnapshot()._scheduledEvents)) {
    timers.push({
      id: scheduled.id,
      source: pathOf(scheduled.source, actor),
      target: pathOf(scheduled.target, actor),
      event: scheduled.event,
      dueAt: scheduled.startedAt + scheduled.delay,
    });
  }
  return {
    v: 1,
    machine: actor.logic.id,
    savedAt: clock.now(),
    snapshot: actor.getPersistedSnapshot() as Snapshot<unknown>,
    timers,
  };
}

/**
 * Starts an actor from a {@link PersistedMachine} and re-arms its pending delayed events on the
 * context's clock: an event that fell due while the actor was down fires at once, the others
 * when their time comes.
 */
export function restoreMachine<TMachine extends AnyStateMachine>(
  ctx: RuntimeContext,
  machine: TMachine,
  persisted: PersistedMachine,
  options: { readonly source: string },
): Actor<TMachine> {
  if (persisted.machine !== machine.id) {
    throw new Error(`Cannot restore: the snapshot is of machine "${persisted.machine}", not "${machine.id}".`);
  }
  const actor = startMachine(ctx, machine, { source: options.source, snapshot: persisted.snapshot });
  const system = actor.system as unknown as SchedulingSystem;
  for (const timer of persisted.timers) {
    const source = resolvePath(actor, timer.source);
    const target = resolvePath(actor, timer.target);
    if (!source || !target) continue; // the sender or receiver no longer exists in the restored state
    system.scheduler.schedule(source, target, timer.event, Math.max(0, timer.dueAt - ctx.clock.now()), timer.id);
  }
  return actor;
}

function pathOf(ref: AnyActorRef, root: AnyActorRef): string[] {
  const path: string[] = [];
  let current: AnyActorRef | undefined = ref;
  while (current && current !== root) {
    path.unshift(current.id);
    current = (current as { _parent?: AnyActorRef })._parent;
  }
  return path;
}

function resolvePath(root: AnyActorRef, path: readonly string[]): AnyActorRef | undefined {
  let current: AnyActorRef | undefined = root;
  for (const id of path) {
    const children: Record<string, AnyActorRef> | undefined = (current?.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined)?.children;
    current = children?.[id];
  }
  return current;
}
