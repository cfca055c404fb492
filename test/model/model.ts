import {
  getNextSnapshot,
  type AnyActorLogic,
  type AnyActorRef,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type EventObject,
  type Snapshot,
  type StateValue,
} from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { MachineProbe } from './probe.js';
import { allTransitions, transitionKey } from './transitions.js';

/**
 * A model-based test of one machine: the pure definition generates paths (sequences of events)
 * that reach every transition; each path is then run against the REAL implementation from `src/`
 * (under the simulated clock, with real servers where the machine drives I/O) through a driver
 * that turns each event into the stimulus that really causes it.
 */
export interface MachineModel {
  readonly machine: AnyStateMachine;
  /**
   * The logic the paths are planned on, when the definition cannot run alone: a child that
   * reports to its parent with `sendParent` (those actions made inert), or a parent whose children
   * answer some commands at once (the replies folded into its transitions). Same states and
   * transitions as `machine`. Default: `machine`.
   */
  readonly planningMachine?: AnyActorLogic;
  readonly input?: unknown;
  /** Events to try in a state (payload variants reach guarded branches). */
  readonly events: (snapshot: Snapshot<unknown>) => readonly EventObject[];
  /**
   * Events tried only as the last step of a path, never to reach a state: those a driver can only
   * send straight to the real actor (after one, the real implementation no longer matches the
   * model's context, so nothing is planned beyond it).
   */
  readonly finalOnly?: (snapshot: Snapshot<unknown>) => readonly EventObject[];
  /** How states are told apart during traversal. Default: state value + context. */
  readonly serialize?: (snapshot: Snapshot<unknown>) => string;
  /**
   * Starts a fresh real implementation, wired to `probe` (its `inspect` goes to the RuntimeContext
   * or `createStator`), so that the probe finds the real actor and records its transitions.
   */
  readonly createDriver: (probe: MachineProbe) => Promise<Driver>;
  /** Which actor of the machine the probe watches (default: the first one started). */
  readonly pick?: (ref: AnyActorRef, snapshot: Snapshot<unknown>) => boolean;
  /**
   * Run only enough paths to take every transition once (greedy over the transitions each path's
   * last step takes in the model), instead of one per (state, event). For machines whose context
   * makes many states: each path starts a real implementation.
   */
  readonly minimal?: boolean;
  /**
   * A step matches when the real actor went through the expected state during it, not only when
   * it is there afterwards: for machines whose I/O moves on by itself (a ROLLBACK the database
   * answers at once), the driver cannot hold the real actor in a passing state.
   */
  readonly passThrough?: boolean;
  /** Bound on traversal (states explored). Default 5000. */
  readonly limit?: number;
}

/** The real implementation, driven one event at a time. */
export interface Driver {
  /** Causes `event` for real (a layer that fails, a clock that moves past a delay, a call that succeeds). */
  apply(event: EventObject): Promise<void>;
  dispose(): Promise<void>;
}

/** A planned path: the events, and the state value the pure model says each one leads to. */
export interface PlannedPath {
  readonly steps: readonly { readonly event: EventObject; readonly expected: StateValue }[];
  /** Transitions the last step takes in the model (for {@link MachineModel.minimal}). */
  readonly takes?: readonly string[];
}

export interface ModelReport {
  readonly machine: string;
  readonly paths: number;
  readonly total: number;
  readonly covered: ReadonlySet<string>;
  readonly uncovered: readonly string[];
  readonly failures: readonly string[];
  /** Transitions covered only by events sent straight to the real actor ({@link MachineProbe.sendDirect}). */
  readonly direct: readonly string[];
}

const defaultSerialize = (s: Snapshot<unknown>): string => {
  const snap = s as { value?: unknown; context?: unknown };
  return JSON.stringify({ value: snap.value, context: snap.context });
};

const eventKey = (e: EventObject): string => JSON.stringify(e);

/** An event in a failure message: its type, and the resource or value it is about. */
const label = (e: EventObject): string => {
  const about = (e as { name?: unknown; value?: unknown }).name ?? (e as { value?: unknown }).value;
  return about === undefined ? e.type : `${e.type}(${String(about)})`;
};

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
  const machine = model.planningMachine ?? model.machine;
  const shortest = getShortestPaths(machine, options as never) as unknown as {
    state: Snapshot<unknown>;
    steps: { state: Snapshot<unknown>; event: EventObject }[];
  }[];
  const serialize = options.serializeState;
  const toState = new Map<string, { event: EventObject; state: Snapshot<unknown> }[]>();
  for (const path of shortest) {
    // steps[i].state is the state after steps[i].event.
    toState.set(
      serialize(path.state),
      path.steps.filter((s) => s.event.type !== 'xstate.init'),
    );
  }
  const adjacency = getAdjacencyMap(machine, options as never) as unknown as Record<
    string,
    { state: Snapshot<unknown>; transitions: Record<string, { event: EventObject; state: Snapshot<unknown> }> }
  >;
  const candidates: PlannedPath[] = [];
  for (const [key, entry] of Object.entries(adjacency)) {
    const prefix = toState.get(key);
    if (!prefix) continue;
    for (const next of Object.values(entry.transitions)) {
      if (serialize(next.state) === key && !changesSomething(entry.state, next.event, model)) continue;
      const steps = [...prefix, next].map((s) => ({
        event: s.event,
        expected: (s.state as unknown as { value: StateValue }).value,
      }));
      candidates.push({ steps, takes: takes(model, entry.state, next.event, next.state) });
    }
    for (const event of model.finalOnly?.(entry.state) ?? []) {
      if (!changesSomething(entry.state, event, model)) continue;
      const next = getNextSnapshot(machine, entry.state as never, event as never) as unknown as { value: StateValue };
      const steps = [
        ...prefix.map((s) => ({ event: s.event, expected: (s.state as unknown as { value: StateValue }).value })),
        { event, expected: next.value },
      ];
      candidates.push({ steps, takes: takes(model, entry.state, event, next as unknown as Snapshot<unknown>) });
    }
  }
  if (model.minimal) return selectCovering(candidates);
  const keys = candidates.map((p) => p.steps.map((s) => eventKey(s.event)).join('\u0000'));
  return candidates.filter((_, i) => {
    const k = keys[i] ?? '';
    return (
      !keys.some((other, j) => j !== i && other.length > k.length && other.startsWith(k + '\u0000')) &&
      keys.indexOf(k) === i
    );
  });
}

/** Shortest paths first, each kept only when its last step takes a transition no kept path takes. */
function selectCovering(candidates: readonly PlannedPath[]): PlannedPath[] {
  const seen = new Set<string>();
  const kept: PlannedPath[] = [];
  for (const path of [...candidates].sort((a, b) => a.steps.length - b.steps.length)) {
    const fresh = (path.takes ?? []).filter((k) => !seen.has(k));
    if (fresh.length === 0) continue;
    for (const k of fresh) seen.add(k);
    kept.push(path);
  }
  return kept;
}

/**
 * The transitions a step takes in the model: those the event selects, then the eventless ones it
 * leads to: an eventless transition counts when its source was active before the step (or was
 * entered by it) and is left, and its targets are active after it.
 */
function takes(model: MachineModel, state: Snapshot<unknown>, event: EventObject, next: Snapshot<unknown>): string[] {
  const selected = (model.machine.getTransitionData?.(state as never, event as never) ??
    []) as unknown as AnyTransitionDefinition[];
  const keys = selected.map((t) => transitionKey(t));
  const nodesOf = (s: Snapshot<unknown>): Set<AnyStateNode> =>
    new Set((s as unknown as { _nodes?: AnyStateNode[] })._nodes ?? []);
  const before = nodesOf(state);
  const after = nodesOf(next);
  const entered = selected.flatMap((t) => (t.target ?? []).map((n) => n.id));
  const walk = (node: AnyStateNode): void => {
    const wasActive = before.has(node) || entered.some((id) => node.id === id || node.id.startsWith(`${id}.`));
    for (const t of (node as { always?: AnyTransitionDefinition[] }).always ?? []) {
      if (wasActive && !after.has(node) && (t.target ?? []).every((target) => after.has(target)))
        keys.push(transitionKey(t));
    }
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(model.machine.root);
  return keys;
}

function changesSomething(state: Snapshot<unknown>, event: EventObject, model: MachineModel): boolean {
  // A self-transition that takes a transition (e.g. a guarded counter) is still worth a path.
  const next = model.machine.getTransitionData?.(state as never, event as never) as unknown[] | undefined;
  return Array.isArray(next) && next.length > 0;
}

/** Runs every planned path against fresh drivers; records which transitions the real actor took. */
export async function runModel(model: MachineModel, paths = planPaths(model)): Promise<ModelReport> {
  const covered = new Set<string>();
  const failures: string[] = [];
  const coveredDirectly = new Set<string>();
  for (const [index, path] of paths.entries()) {
    const probe = new MachineProbe(model.machine.id, model.pick);
    const driver = await model.createDriver(probe);
    try {
      for (const [i, step] of path.steps.entries()) {
        probe.takeHistory();
        await driver.apply(step.event);
        const actual = (probe.snapshot() as { value?: StateValue } | undefined)?.value;
        const expected = JSON.stringify(step.expected);
        const passed = model.passThrough && probe.takeHistory().includes(expected);
        if (JSON.stringify(actual) !== expected && !passed) {
          failures.push(
            `path ${index} step ${i} (${path.steps
              .slice(0, i + 1)
              .map((s) => label(s.event))
              .join(
                ' → ',
              )}): model says ${JSON.stringify(step.expected)}, implementation is in ${JSON.stringify(actual)}`,
          );
          break;
        }
      }
    } catch (error) {
      failures.push(
        `path ${index} (${path.steps.map((s) => label(s.event)).join(' → ')}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    } finally {
      probe.stopRecording();
      await driver.dispose();
    }
    for (const key of probe.covered) covered.add(key);
    for (const key of probe.coveredDirectly) coveredDirectly.add(key);
  }
  return report(
    model.machine,
    paths.length,
    new Set([...covered, ...coveredDirectly]),
    failures,
    [...coveredDirectly].filter((k) => !covered.has(k)),
  );
}

/** Coverage of the machine's transitions (every drawn edge, eventless ones included). */
export function report(
  machine: AnyStateMachine,
  paths: number,
  covered: ReadonlySet<string>,
  failures: readonly string[],
  direct: readonly string[] = [],
): ModelReport {
  const all = allTransitions(machine);
  const hit = new Set([...covered].filter((k) => all.has(k)));
  return {
    machine: machine.id,
    paths,
    total: all.size,
    covered: hit,
    uncovered: [...all].filter((k) => !hit.has(k)),
    failures,
    direct: [...direct].sort(),
  };
}

/** Merges reports of several models of one machine (e.g. one per owner of the connection machine). */
export function mergeReports(machine: AnyStateMachine, reports: readonly ModelReport[]): ModelReport {
  const covered = new Set(reports.flatMap((r) => [...r.covered]));
  // Covered directly in one model and for real in another counts as real.
  const real = new Set(reports.flatMap((r) => [...r.covered].filter((k) => !r.direct.includes(k))));
  const direct = new Set(reports.flatMap((r) => r.direct).filter((k) => !real.has(k)));
  return report(
    machine,
    reports.reduce((n, r) => n + r.paths, 0),
    covered,
    reports.flatMap((r) => r.failures),
    [...direct],
  );
}

/**
 * One line per machine, coverage counted two ways: transitions caused by `src/` (the owner's real
 * code drove the machine there) and transitions reached only by sending the event straight to the
 * actor (`alert  by src/ 12/12 (100.0%), by direct send only 0, 21 paths`); then what is not
 * covered, then the direct-send-only transitions.
 */
export function formatCoverage(r: ModelReport): string {
  const bySrc = r.covered.size - r.direct.length;
  const pct = r.total ? (100 * bySrc) / r.total : 100;
  const lines = [
    `model coverage: ${r.machine.padEnd(15)} by src/ ${bySrc}/${r.total} transitions (${pct.toFixed(1)}%), by direct send only ${r.direct.length}/${r.total}, ${r.paths} paths`,
  ];
  for (const u of r.uncovered) lines.push(`  not covered: ${u}`);
  if (r.direct.length) {
    lines.push(
      `  ${r.direct.length} of them only on events sent straight to the real actor (nothing in src/ causes them):`,
    );
    for (const d of r.direct) lines.push(`    ${d}`);
  }
  return lines.join('\n');
}
