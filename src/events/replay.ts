import { createActor, fromCallback, StateMachine, type AnyActorRef, type AnyStateMachine } from 'xstate';
import { TestClock } from '../kernel/clock.js';
import { EventBus, type StatorEvent } from '../kernel/event-bus.js';
import { parseEventLog } from './event-log-reader.js';

/** Options of {@link replay}. */
export interface ReplayOptions {
  /**
   * Machine definitions by machine id. Default: every machine in Stator's `machines/`. Pass
   * changed definitions to see whether an incident still leads to the same states.
   */
  readonly machines?: Readonly<Record<string, AnyStateMachine>>;
  /**
   * Changes the input a machine is started with (the recorded one by default), e.g. a breaker
   * threshold, to ask "what would today's configuration have done?".
   */
  readonly input?: (source: string, machineId: string, recorded: unknown) => unknown;
  /**
   * How far from the recorded time a fresh machine may process its event and still match. Events
   * the machines send themselves (delays, reports to a parent) are not replayed at their recorded
   * time but when the fresh machines send them: real timers fire a little late, and a recorded
   * time is taken when the machine finished the event, so a slow step shifts it by a few ms.
   * Default 100 ms: a delay changed by more than that is a divergence.
   */
  readonly timerToleranceMs?: number;
}

/** One recorded machine event, replayed. */
export interface ReplayStep {
  readonly seq: number;
  readonly time: number;
  readonly source: string;
  readonly type: string;
  /** The state the log recorded after this event. */
  readonly expected: unknown;
  /**
   * The state the fresh machine reached at this point; when it had processed nothing more by the
   * recorded time, the state it was still in (undefined: it never started, or never got this far).
   */
  readonly actual: unknown;
  /** The event the fresh machine processed at this point, when it differs from the recorded one. */
  readonly actualType?: string;
  /** When the fresh machine processed its event for this point, when not at the recorded time (later: it had not by then). */
  readonly actualTime?: number;
  readonly matches: boolean;
}

/** What {@link replay} returns. */
export interface ReplayResult {
  /** Every recorded machine event in log order, with the state the replay reached. */
  readonly steps: readonly ReplayStep[];
  /** The first step whose state differs from the recording, if any. */
  readonly divergence?: ReplayStep;
  /** States each machine went through during the replay, by source. */
  readonly states: Readonly<Record<string, readonly unknown[]>>;
}

interface Observed {
  readonly type: string;
  readonly time: number;
  readonly state: unknown;
}

/**
 * Feeds a recorded event log into fresh machines under a simulated clock and returns the states
 * they go through, with the first point where they differ from the recording.
 *
 * How each recorded event is used:
 * - `xstate.init` of a root actor starts a fresh actor of the recorded machine (by id) with the
 *   recorded input, under the recorded name (a pool's `pool.database/conn-3` is a root actor of
 *   its own); the `xstate.init` of a child (it has `from`, its parent) is not: the parent's own
 *   definition spawns or invokes it;
 * - an event one machine sent to another or to itself (it has `from`: a child's report to its
 *   parent, a command to a child, a delayed `xstate.after.*` or a delayed raise) is not sent: the
 *   clock is moved to the recorded time and the fresh machines must send it themselves, so a
 *   changed delay, guard or report shows up as a divergence;
 * - everything else, including the results of invoked work (`xstate.done.actor.*`,
 *   `xstate.error.actor.*`, delivered only while the fresh actor still runs that work) and what
 *   callback actors sent back, is sent as recorded, to the
 *   recorded actor (a child is found under its root by id). Invoked work itself never runs: every
 *   non-machine actor a machine (or a child machine, at any depth) invokes or spawns is replaced
 *   by one that does nothing; the recording says how it ended.
 *
 * @example
 * ```ts
 * import { replay } from 'stator/testing';
 * const result = await replay(readFileSync('incident.jsonl', 'utf8'));
 * expect(result.divergence).toBeUndefined();
 * ```
 */
export async function replay(log: string | readonly StatorEvent[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const events = typeof log === 'string' ? parseEventLog(log) : log;
  const machines = options.machines ?? (await defaultMachines());
  const recorded = events.filter((e) => e.state !== undefined);
  const observed = await runRecording(recorded, events[0]?.time ?? 0, machines, options);
  const { steps, divergence } = compareWithRecording(recorded, observed, options.timerToleranceMs ?? 100);
  const states: Record<string, unknown[]> = {};
  for (const [source, list] of observed) states[source] = list.map((o) => o.state);
  return { steps, states, ...(divergence ? { divergence } : {}) };
}

/**
 * Feeds the recorded machine events to fresh machines under a simulated clock started at `start`,
 * and returns the states each source went through, in order.
 */
async function runRecording(
  recorded: readonly StatorEvent[],
  start: number,
  machines: Readonly<Record<string, AnyStateMachine>>,
  options: ReplayOptions,
): Promise<Map<string, Observed[]>> {
  const clock = new TestClock(start);
  const bus = new EventBus(clock);
  const observed = new Map<string, Observed[]>();
  const subscription = bus.events$.subscribe((e) => {
    if (e.state === undefined) return;
    let list = observed.get(e.source);
    if (!list) observed.set(e.source, (list = []));
    list.push({ type: e.type, time: e.time, state: e.state });
  });

  const roots = new Map<string, AnyActorRef>();
  try {
    for (const event of recorded) {
      if (event.time > clock.now()) await clock.advance(event.time - clock.now());
      if (event.from === undefined || event.type === 'xstate.init') {
        deliver(event, machines, options, clock, bus, roots);
        await clock.advance(0);
      }
    }
  } finally {
    subscription.unsubscribe();
    for (const actor of roots.values()) actor.stop();
  }
  return observed;
}

/**
 * Compares what the fresh machines did with the recording, source by source: a parent records a
 * child's report before the child records the event that made it send it, so only the order
 * within one source is meaningful, and the time (within the tolerance): what the fresh machine did
 * much later did not happen then.
 */
function compareWithRecording(
  recorded: readonly StatorEvent[],
  observed: ReadonlyMap<string, readonly Observed[]>,
  tolerance: number,
): { steps: ReplayStep[]; divergence: ReplayStep | undefined } {
  const cursor = new Map<string, number>();
  const steps: ReplayStep[] = [];
  let divergence: ReplayStep | undefined;
  for (const event of recorded) {
    const index = cursor.get(event.source) ?? 0;
    cursor.set(event.source, index + 1);
    const step = compareStep(event, observed.get(event.source) ?? [], index, tolerance);
    steps.push(step);
    if (!step.matches && !divergence) divergence = step;
  }
  return { steps, divergence };
}

/** One recorded event against the `index`-th state its source reached in the replay. */
function compareStep(event: StatorEvent, list: readonly Observed[], index: number, tolerance: number): ReplayStep {
  const next = list[index];
  // Nothing done by the recorded time: the fresh machine was still where its previous event left it.
  const late = next !== undefined && next.time > event.time + tolerance;
  const actual = late ? list[index - 1] : next;
  const matches =
    next !== undefined &&
    !late &&
    next.time >= event.time - tolerance &&
    next.type === event.type &&
    sameState(next.state, event.state);
  return {
    seq: event.seq,
    time: event.time,
    source: event.source,
    type: event.type,
    expected: event.state,
    actual: actual?.state,
    ...(next && !late && next.type !== event.type ? { actualType: next.type } : {}),
    ...(next && next.time !== event.time ? { actualTime: next.time } : {}),
    matches,
  };
}

function deliver(
  event: StatorEvent,
  machines: Readonly<Record<string, AnyStateMachine>>,
  options: ReplayOptions,
  clock: TestClock,
  bus: EventBus,
  roots: Map<string, AnyActorRef>,
): void {
  if (event.type === 'xstate.init') {
    if (event.from !== undefined) return; // a child: its parent's own definition starts it
    const data = (event.data ?? {}) as { machine?: string; input?: unknown };
    const machineId = data.machine ?? '';
    const machine = machines[machineId];
    if (!machine) {
      throw new Error(
        `replay: the log starts a machine "${machineId}" (${event.source}) that is not among the machines given; pass it in options.machines.`,
      );
    }
    const input = options.input ? options.input(event.source, machineId, data.input) : data.input;
    roots.get(event.source)?.stop(); // a name reused by a replacement actor
    const actor = createActor(inert(machine), {
      clock,
      inspect: bus.inspector(event.source),
      ...(input !== undefined ? { input } : {}),
    } as Parameters<typeof createActor>[1]);
    actor.subscribe({ error: () => undefined });
    roots.set(event.source, actor);
    actor.start();
    return;
  }
  const root = roots.get(event.source);
  if (event.type === 'xstate.stop') {
    // A stopped parent stops its children; a stop is never sent as an event.
    root?.stop();
    return;
  }
  const target = root ?? childActor(roots, event.source);
  if (!target || !awaits(target, event.type)) return;
  target.send({ ...(event.data ?? {}), type: event.type });
}

const ACTOR_RESULT = /^xstate\.(?:done|error)\.actor\.(.+)$/;

/**
 * The result of invoked work is delivered only while the fresh actor runs that work: a machine
 * that took another path (a divergence) would otherwise receive an error it has no transition
 * for, and XState stops an actor on an unhandled error event.
 */
function awaits(target: AnyActorRef, type: string): boolean {
  const id = ACTOR_RESULT.exec(type)?.[1];
  if (id === undefined) return true;
  const children = (target.getSnapshot() as { children?: Record<string, unknown> }).children;
  return children?.[id] !== undefined;
}

/** The child actor named `root/childId`: found under that root by id, at any depth. */
function childActor(roots: ReadonlyMap<string, AnyActorRef>, source: string): AnyActorRef | undefined {
  const slash = source.lastIndexOf('/');
  if (slash === -1) return undefined;
  const root = roots.get(source.slice(0, slash));
  return root ? findChild(root, source.slice(slash + 1)) : undefined;
}

function findChild(parent: AnyActorRef, id: string): AnyActorRef | undefined {
  const children = (parent.getSnapshot() as { children?: Record<string, AnyActorRef> }).children ?? {};
  if (children[id]) return children[id];
  for (const child of Object.values(children)) {
    const found = findChild(child, id);
    if (found) return found;
  }
  return undefined;
}

/**
 * The machine with every invoked or spawned non-machine actor replaced by one that does nothing
 * and never ends, in its child machines too.
 */
function inert(machine: AnyStateMachine): AnyStateMachine {
  const actors = (machine.implementations as { actors?: Record<string, unknown> }).actors ?? {};
  const idle = fromCallback(() => undefined);
  const replaced: Record<string, unknown> = {};
  for (const [name, logic] of Object.entries(actors)) {
    // Child machines are replayed like any machine, with their own effectful work replaced.
    replaced[name] = logic instanceof StateMachine ? inert(logic as AnyStateMachine) : idle;
  }
  return machine.provide({ actors: replaced } as Parameters<AnyStateMachine['provide']>[0]);
}

function sameState(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function defaultMachines(): Promise<Readonly<Record<string, AnyStateMachine>>> {
  const registry = (await import('../../machines/index.js')) as {
    machinesById: Readonly<Record<string, AnyStateMachine>>;
  };
  return registry.machinesById;
}
