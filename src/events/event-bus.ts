import { Observable, Subject } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import type { Clock } from '../runtime/clock.js';
import { defaultSecrets, type SecretRegistry } from '../logging/redact.js';

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
}

export const EVENT_LOG_VERSION = 1 as const;

/**
 * Carries every machine event and every recovery signal, in order, to `stator.events$` and to
 * whoever records them. Publishing is cheap when nobody listens: no copy or redaction happens
 * unless there is a subscriber.
 */
export class EventBus {
  private readonly subject = new Subject<StatorEvent>();
  private seq = 0;
  private listeners = 0;

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
      ...(data ? { data: this.secrets.redact(data) } : {}),
    });
  }

  /**
   * An XState `inspect` callback that publishes each event a machine actor in this actor system
   * processed, with the state it led to. The root actor is named `source`; machine children are
   * named `source/childId`. Non-machine actors (promises, callbacks) are skipped.
   *
   * @example
   * ```ts
   * createActor(machine, { clock, inspect: bus.inspector('breaker.cache') });
   * ```
   */
  public inspector(source: string): (event: InspectionEvent) => void {
    return (inspection) => {
      if (inspection.type !== '@xstate.snapshot') return;
      const snapshot = inspection.snapshot as { value?: unknown };
      if (!snapshot || !('value' in snapshot)) return;
      const ref = inspection.actorRef as { id?: string; _parent?: unknown };
      const name = ref._parent === undefined ? source : `${source}/${ref.id ?? '?'}`;
      const { type, ...payload } = inspection.event;
      // The init event names the machine definition, so that a replay can build a fresh one.
      if (type === 'xstate.init') {
        const logic = (inspection.actorRef as { logic?: { id?: string } }).logic;
        if (logic?.id) (payload as Record<string, unknown>).machine = logic.id;
      }
      this.seq++;
      if (this.listeners === 0) return;
      this.subject.next({
        v: EVENT_LOG_VERSION,
        seq: this.seq,
        time: this.clock.now(),
        source: name,
        type,
        ...(Object.keys(payload).length ? { data: this.secrets.redact(payload) as Record<string, unknown> } : {}),
        state: snapshot.value,
      });
    };
  }

  /** Completes the stream (on `stator.stop()`). */
  public complete(): void {
    this.subject.complete();
  }
}
