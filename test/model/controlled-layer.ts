import { Subject } from 'rxjs';
import type { AnyActorRef } from 'xstate';
import type { TestClock } from '../../src/kernel/clock.js';
import type { LayerHealth, ResourceLayer } from '../../src/kernel/layer.js';

/** A promise the test settles. */
export class Deferred<T> {
  public resolve!: (value: T) => void;
  public reject!: (error: Error) => void;
  public readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

/** What a layer call does: succeed at once, fail at once, or wait for the test ({@link ControlledLayer.pending}). */
export type CallMode = 'ok' | 'reject' | 'manual';

/**
 * A resource layer whose `start`, `check` and `stop` the test settles, and whose `health$` the
 * test pushes to: the real supervisor and resource actors run it as they would any layer.
 */
export class ControlledLayer implements ResourceLayer {
  public readonly health = new Subject<LayerHealth>();
  public readonly health$ = this.health.asObservable();
  public mode: Record<'start' | 'check' | 'stop', CallMode> = { start: 'manual', check: 'manual', stop: 'manual' };
  /** The call waiting for the test, per kind. */
  public readonly pending: { start?: Deferred<void>; check?: Deferred<LayerHealth>; stop?: Deferred<void> } = {};

  public constructor(public readonly name: string) {}

  public start(): Promise<void> {
    return this.call('start', undefined);
  }

  public check(): Promise<LayerHealth> {
    return this.call('check', { status: 'up' } as LayerHealth);
  }

  public stop(): Promise<void> {
    return this.call('stop', undefined);
  }

  /** Settles the pending call of `kind`. @throws when none is pending. */
  public settle<K extends keyof ControlledLayer['pending']>(
    kind: K,
    outcome: { value?: unknown; error?: Error },
  ): void {
    const d = this.pending[kind] as Deferred<unknown> | undefined;
    if (!d) throw new Error(`layer ${this.name}: no ${kind} is pending`);
    this.pending[kind] = undefined;
    if (outcome.error) d.reject(outcome.error);
    else d.resolve(outcome.value);
  }

  private call<T>(kind: 'start' | 'check' | 'stop', value: T): Promise<T> {
    const mode = this.mode[kind];
    if (mode === 'ok') return Promise.resolve(value);
    if (mode === 'reject') return Promise.reject(new Error(`${this.name} ${kind} failed`));
    const d = new Deferred<T>();
    (this.pending as Record<string, Deferred<T>>)[kind] = d;
    return d.promise;
  }
}

interface ScheduledEvent {
  readonly event: { readonly type: string };
  readonly target: unknown;
  readonly startedAt: number;
  readonly delay: number;
}

/**
 * Moves the clock to the moment `actor`'s delayed event `type` falls due (XState's scheduler,
 * stamped with the clock by `startMachine`), so exactly that delay fires.
 *
 * @throws when no such delayed event is pending.
 */
export async function advanceToTimer(clock: TestClock, actor: AnyActorRef, type: string): Promise<void> {
  const scheduled = Object.values(
    (actor.system as unknown as { getSnapshot(): { _scheduledEvents: Record<string, ScheduledEvent> } }).getSnapshot()
      ._scheduledEvents,
  );
  const due = scheduled.find((s) => s.event.type === type && s.target === actor);
  if (!due) throw new Error(`no ${type} is pending for ${actor.id}`);
  await clock.advance(Math.max(0, due.startedAt + due.delay - clock.now()));
}
