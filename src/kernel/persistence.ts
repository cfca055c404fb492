import type { AnyStateMachine, Actor, EventObject, Snapshot } from 'xstate';
import type { Clock } from './clock.js';
import type { RuntimeContext } from './context.js';
import { startMachine } from './actor.js';
import { pathOf, resolvePath, schedulingSystem } from './xstate-internals.js';

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

/** Saves an actor started with `startMachine` (snapshot and pending delayed events). */
export function persistMachine(actor: Actor<AnyStateMachine>, clock: Clock): PersistedMachine {
  const system = schedulingSystem(actor);
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
  const system = schedulingSystem(actor);
  for (const timer of persisted.timers) {
    const source = resolvePath(actor, timer.source);
    const target = resolvePath(actor, timer.target);
    if (!source || !target) continue; // the sender or receiver no longer exists in the restored state
    system.scheduler.schedule(source, target, timer.event, Math.max(0, timer.dueAt - ctx.clock.now()), timer.id);
  }
  return actor;
}
