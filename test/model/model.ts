import type { AnyActorRef, AnyStateMachine, EventObject, Snapshot, StateValue } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { transitionKey } from './transitions.js';

/**
 * A model-based test of one machine: the pure definition generates paths (sequences of events)
 * that reach every transition; each path is then run against the REAL implementation from `src/`
 * (under the simulated clock, with real servers where the machine drives I/O) through a driver
 * that turns each event into the stimulus that really causes it.
 */
export interface MachineModel {
  readonly machine: AnyStateMachine;
  readonly input?: unknown;
  /** Events to try in a state (payload variants reach guarded branches). */
  readonly events: (snapshot: Snapshot<unknown>) => readonly EventObject[];
  /** How states are told apart during traversal. Default: state value + context. */
  readonly serialize?: (snapshot: Snapshot<unknown>) => string;
  /** Starts a fresh real implementation. */
  readonly createDriver: () => Promise<Driver>;
  /** Bound on traversal (states explored). Default 5000. */
  readonly limit?: number;
}

/** The real implementation, driven one event at a time. */
export interface Driver {
  /** The real actor: its microsteps say which transitions were taken. */
  readonly actor: AnyActorRef;
  /** Causes `event` for real (a layer that fails, a clock that moves past a delay, a call that succeeds). */
  apply(event: EventObject): Promise<void>;
  dispose(): Promise<void>;
}

/** A planned path: the events, and the state value the pure model says each one leads to. */
export interface PlannedPath {
  readonly steps: readonly { readonly event: EventObject; readonly expected: StateValue }[];
}

export interface ModelReport {
  readonly machine: string;
  readonly paths: number;
  readonly total: number;
  readonly covered: ReadonlySet<string>;
  readonly uncovered: readonly string[];
  readonly failures: readonly string[];
}

const defaultSerialize = (s: Snapshot<unknown>): string => {
  const snap = s as { value?: unknown; context?: unknown };
  return JSON.stringify({ value: snap.value, context: snap.context });
};

const eventKey = (e: EventObject): string => JSON.stringify(e);

/**
 * One path per (reachable state, event that changes something): the shortest way to the state,
 * then that event. Paths that are prefixes of longer ones are dropped.
 */
export function planPaths(model: MachineModel): PlannedPath[] {
  const options = {
    events: model.events as (s: Snapshot<unknown>) => EventObject[],
    serializeState: (s: Snapshot<unknown>) => (model.serialize ?? defaultSerialize)(s),
    limit: model.limit ?? 5000,
    ...(model.input !== undefined ? { input: model.input } : {}),
  };
  const shortest = getShortestPaths(model.machine, options as never) as unknown as {
    state: Snapshot<unknown>;
    steps: { state: Snapshot<unknown>; event: EventObject }[];
  }[];
  const serialize = options.serializeState;
  const toState = new Map<string, { event: EventObject; state: Snapshot<unknown> }[]>();
  for (const path of shortest) {
    // steps[i].state is the state after steps[i].event.
    toState.set(serialize(path.state), path.steps.filter((s) => s.event.type !== 'xstate.init'));
  }
  const adjacency = getAdjacencyMap(model.machine, options as never) as unknown as Record<
    string,
    { state: Snapshot<unknown>; transitions: Record<string, { event: EventObject; state: Snapshot<unknown> }> }
  >;
  const candidates: PlannedPath[] = [];
  for (const [key, entry] of Object.entries(adjacency)) {
    const prefix = toState.get(key);
    if (!prefix) continue;
    for (const next of Object.values(entry.transitions)) {
      if (serialize(next.state) === key && !changesSomething(entry.state, next.event, model)) continue;
      const steps = [...prefix, next].map((s) => ({ event: s.event, expected: (s.state as unknown as { value: StateValue }).value }));
      candidates.push({ steps });
    }
  }
  const keys = candidates.map((p) => p.steps.map((s) => eventKey(s.event)).join('\u0000'));
  return candidates.filter((_, i) => {
    const k = keys[i] ?? '';
    return !keys.some((other, j) => j !== i && other.length > k.length && other.startsWith(k + '\u0000'))
      && keys.indexOf(k) === i;
  });
}

function changesSomething(state: Snapshot<unknown>, event: EventObject, model: MachineModel): boolean {
  // A self-transition that takes a transition (e.g. a guarded counter) is still worth a path.
  const next = model.machine.getTransitionData?.(state as never, event as never) as unknown[] | undefined;
  return Array.isArray(next) && next.length > 0;
}

/** Runs every planned path against fresh drivers; records which transitions the real actor took. */
export async function runModel(model: MachineModel, paths = planPaths(model)): Promise<Omit<ModelReport, 'total' | 'uncovered' | 'machine'>> {
  const covered = new Set<string>();
  const failures: string[] = [];
  for (const [index, path] of paths.entries()) {
    const driver = await model.createDriver();
    const sub = driver.actor.system.inspect((e: { type: string; _transitions?: unknown[] }) => {
      if (e.type === '@xstate.microstep') for (const t of e._transitions ?? []) covered.add(transitionKey(t as never));
    });
    try {
      for (const [i, step] of path.steps.entries()) {
        await driver.apply(step.event);
        const actual = (driver.actor.getSnapshot() as { value: StateValue }).value;
        if (JSON.stringify(actual) !== JSON.stringify(step.expected)) {
          failures.push(
            `path ${index} step ${i} (${path.steps.slice(0, i + 1).map((s) => s.event.type).join(' → ')}): model says ${JSON.stringify(step.expected)}, implementation is in ${JSON.stringify(actual)}`,
          );
          break;
        }
      }
    } finally {
      sub.unsubscribe();
      await driver.dispose();
    }
  }
  return { paths: paths.length, covered, failures };
}
