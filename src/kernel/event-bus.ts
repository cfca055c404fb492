import { Observable, Subject } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import type { Clock } from './clock.js';
import { defaultSecrets, type SecretRegistry } from '../logging/redact.js';
import { eventPayload } from './event-payload.js';

/**
 * One entry of the event log: either an event a Stator machine received together with the state
 * it led to (`state` present), or a signal a capability emitted without a machine (a retry, a
 * fallback served, a cache invalidation).
 *
 * This is the unit of `stator.events$` and of the JSONL event log (format version {@link EVENT_LOG_VERSION}).
 */
export interface StatorEvent {
  /** Format version of the entry. */
  readonly v: typeof EVENT_LOG_VERSION;
  /** Position in the log, from 1, without gaps. */
  readonly seq: number;
  /** Clock time in milliseconds (the injected clock's `now()`). */
  readonly time: number;
  /** Who received or emitted it: a machine's system id (`supervisor`, `breaker.cache`, `pool.database/conn-3`) or a capability (`cache`, `retry`). */
  readonly source: string;
  /** The event type (`RESOURCE.READY`, `xstate.after.5000...`, `retry.attempt`). */
  readonly type: string;
  /** The event or signal payload, secrets redacted. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** For machine events: the state value after the event. */
  readonly state?: unknown;
  /**
   * For machine events sent by a Stator machine (a child's report to its parent, a command to a
   * child, a delayed event to itself; for `xstate.init`, the parent that spawned it): the
   * sender's name. Absent for events from outside the machines (calls from `src/`, the results of
   * invoked work).
   */
  readonly from?: string;
}

export const EVENT_LOG_VERSION = 1 as const;

/** What the inspector reads from an actor reference (XState's public type hides `_parent` and `logic`). */
interface InspectionActorRef {
  readonly id?: string;
  readonly _parent?: unknown;
  readonly logic?: { readonly id?: string; readonly __xstatenode?: boolean };
}

const isMachineActor = (ref: InspectionActorRef): boolean => ref.logic?.__xstatenode === true;

/**
 * Carries every machine event and every recovery signal, in order, to `stator.events$` and to
 * whoever records them. Publishing is cheap when nobody listens: no copy or redaction happens
 * unless there is a subscriber (except for each machine's `xstate.init`, kept for
 * {@link EventBus.running} while the machine runs).
 */
export class EventBus {
  private readonly subject = new Subject<StatorEvent>();
  private seq = 0;
  private listeners = 0;
  /** The `xstate.init` entry of each machine actor still running, by source. */
  private readonly live = new Map<string, StatorEvent>();
  /** The current state value of each machine actor still running, by source (one Map.set per machine event). */
  private readonly current = new Map<string, unknown>();

  /** Every event, in order. Hot: subscribers see events published after they subscribe. */
  public readonly events$: Observable<StatorEvent>;

  public constructor(
    private readonly clock: Clock,
    private readonly secrets: SecretRegistry = defaultSecrets,
  ) {
    this.events$ = new Observable<StatorEvent>((subscriber) => {
      this.listeners++;
      const sub = this.subject.subscribe(subscriber);
      return () => {
        this.listeners--;
        sub.unsubscribe();
      };
    });
  }

  /**
   * The `xstate.init` entries of the machine actors (roots and children) that are still running,
   * in order, including those started before anyone subscribed (a breaker made with its pipeline at
   * `createStator`, before `start()` opens the event log). A recorder writes these first, so that
   * a replay can start every machine it later sees events of.
   */
  public running(): StatorEvent[] {
    return [...this.live.values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * The current state value of each machine actor still running, by source: what a view that
   * starts late (the dashboard) shows before the next event of each machine.
   */
  public states(): ReadonlyMap<string, unknown> {
    return this.current;
  }

  /** True when someone listens; producers may skip building payloads otherwise. */
  public get observed(): boolean {
    return this.listeners > 0;
  }

  /** Publishes a signal that did not go through a machine (a retry attempt, a fallback served). */
  public emit(source: string, type: string, data?: Record<string, unknown>): void {
    this.seq++;
    if (this.listeners === 0) return;
    this.subject.next({
      v: EVENT_LOG_VERSION,
      seq: this.seq,
      time: this.clock.now(),
      source,
      type,
      ...(data ? { data: eventPayload(this.secrets, data) } : {}),
    });
  }

  /**
   * An XState `inspect` callback that publishes each event a machine actor in this actor system
   * processed, with the state it led to. The root actor is named `source`; machine children are
   * named `source/childId`. Non-machine actors (promises, callbacks) are skipped.
   *
   * An event that a machine sent (a child's report to its parent, a parent's command to a child,
   * a delayed event to itself) carries `from`, the sender's name: a replay does not deliver those,
   * the fresh machines send them themselves. The `xstate.init` of a spawned or invoked child
   * carries `from` too (its parent), which is how a replay tells it from a root actor.
   *
   * @example
   * ```ts
   * createActor(machine, { clock, inspect: bus.inspector('breaker.cache') });
   * ```
   */
  public inspector(source: string): (event: InspectionEvent) => void {
    const nameOf = (ref: InspectionActorRef): string =>
      ref._parent === undefined ? source : `${source}/${ref.id ?? '?'}`;
    // Events in flight from one machine actor to another (or to itself), until processed.
    const sentBy = new WeakMap<object, string>();
    return (inspection) => {
      if (inspection.type === '@xstate.event') {
        const sender = inspection.sourceRef as InspectionActorRef | undefined;
        if (this.listeners > 0 && sender && isMachineActor(sender)) sentBy.set(inspection.event, nameOf(sender));
        return;
      }
      if (inspection.type !== '@xstate.snapshot') return;
      const snapshot = inspection.snapshot as { value?: unknown; status?: string };
      if (!snapshot || !('value' in snapshot)) return;
      this.seq++;
      const ref = inspection.actorRef as InspectionActorRef;
      const name = nameOf(ref);
      const isInit = inspection.event.type === 'xstate.init';
      const ended = snapshot.status !== 'active' || inspection.event.type === 'xstate.stop';
      if (ended) this.current.delete(name);
      else this.current.set(name, snapshot.value);
      if (this.listeners === 0 && !isInit) {
        if (ended) this.live.delete(name);
        return;
      }
      const { type, ...payload } = inspection.event;
      // The init event names the machine definition, so that a replay can build a fresh one.
      if (isInit && ref.logic?.id) (payload as Record<string, unknown>).machine = ref.logic.id;
      // A child's start names its parent (known even when nobody listened as it was spawned).
      const parent = ref._parent as InspectionActorRef | undefined;
      const from = isInit ? (parent ? nameOf(parent) : undefined) : sentBy.get(inspection.event);
      const entry: StatorEvent = {
        v: EVENT_LOG_VERSION,
        seq: this.seq,
        time: this.clock.now(),
        source: name,
        type,
        ...(Object.keys(payload).length ? { data: eventPayload(this.secrets, payload) } : {}),
        state: snapshot.value,
        ...(from !== undefined ? { from } : {}),
      };
      if (ended) this.live.delete(name);
      else if (isInit) this.live.set(name, entry);
      if (this.listeners > 0) this.subject.next(entry);
    };
  }

  /** Completes the stream (on `stator.stop()`). */
  public complete(): void {
    this.subject.complete();
  }
}
