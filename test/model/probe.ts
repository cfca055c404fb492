import type { AnyActorRef, EventObject, InspectionEvent, Snapshot } from 'xstate';
import { transitionKey } from './transitions.js';

interface InspectedRef {
  readonly id: string;
  readonly logic?: { readonly id?: string };
  readonly _parent?: unknown;
  getSnapshot(): Snapshot<unknown>;
}

/**
 * Watches the real implementation through XState inspection (the `inspect` a RuntimeContext
 * passes to every actor `startMachine` starts): finds the actor of the machine under test, and
 * records every transition it takes (`@xstate.microstep`), so coverage is measured on the real
 * actor, not on the model.
 */
export class MachineProbe {
  /** Transition keys (see {@link transitionKey}) the watched actor took on a real stimulus. */
  public readonly covered = new Set<string>();
  /** Transition keys it took on an event a driver sent straight to it ({@link MachineProbe.sendDirect}). */
  public readonly coveredDirectly = new Set<string>();
  private actor: InspectedRef | undefined;
  private direct = false;
  /** State values the watched actor went through, since {@link MachineProbe.takeHistory} last ran. */
  private history: string[] = [];
  private recording = true;

  /**
   * @param machineId the id of the machine under test.
   * @param pick which actor of that machine to watch, judged on its first snapshot (default: the first one).
   */
  public constructor(
    private readonly machineId: string,
    private readonly pick: (ref: AnyActorRef, snapshot: Snapshot<unknown>) => boolean = () => true,
  ) {}

  /** Pass as the context's (or `createStator`'s) `inspect`. */
  public readonly inspect = (event: InspectionEvent): void => {
    const ref = event.actorRef as unknown as InspectedRef;
    if (ref.logic?.id !== this.machineId) return;
    if (!this.actor) {
      // Chosen on its first snapshot (its context is readable then).
      if (event.type !== '@xstate.snapshot' || !this.pick(event.actorRef as AnyActorRef, event.snapshot)) return;
      this.actor = ref;
    }
    if (ref !== this.actor) return;
    if (event.type === '@xstate.snapshot')
      this.history.push(JSON.stringify((event.snapshot as { value?: unknown }).value));
    if (event.type === '@xstate.microstep' && this.recording) {
      const into = this.direct ? this.coveredDirectly : this.covered;
      for (const t of (event as { _transitions?: unknown[] })._transitions ?? []) into.add(transitionKey(t as never));
    }
  };

  /** The state values (JSON) the actor went through since the last call, and clears them. */
  public takeHistory(): string[] {
    const out = this.history;
    this.history = [];
    return out;
  }

  /** Stops recording transitions (what a driver's clean-up makes the actor do is not coverage). */
  public stopRecording(): void {
    this.recording = false;
  }

  /** Watches another actor from now on (a driver that replaced the implementation's actor). */
  public follow(ref: AnyActorRef | undefined): void {
    this.actor = ref as unknown as InspectedRef | undefined;
  }

  /** The watched actor's current snapshot (undefined before it started). */
  public snapshot(): Snapshot<unknown> | undefined {
    return this.actor?.getSnapshot();
  }

  /** The watched actor (undefined before it started). */
  public ref(): AnyActorRef | undefined {
    return this.actor as unknown as AnyActorRef | undefined;
  }

  /**
   * Sends an event straight to the watched actor: for the few events nothing in `src/` causes in
   * that state. What it makes the actor do is counted apart (reported as covered only directly).
   */
  public sendDirect(event: EventObject): void {
    const actor = this.actor as unknown as AnyActorRef | undefined;
    if (!actor) throw new Error(`no ${this.machineId} actor to send ${event.type} to`);
    this.direct = true;
    try {
      actor.send(event);
    } finally {
      this.direct = false;
    }
  }
}
