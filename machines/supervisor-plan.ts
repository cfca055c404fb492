import type { ResourceInput } from './resource.machine.js';
import type {
  SupervisedResource,
  SupervisedResourceInput,
  SupervisedState,
  SupervisorContext,
  SupervisorEvent,
} from './supervisor-types.js';

/*
 * The supervisor's decisions, as pure functions of its context: which resources to start and
 * stop now (dependency order, restart scheduling), how a report changes a resource's record, and
 * the crash-loop back-off. The machine (supervisor.machine.ts) calls them from its guards and actions.
 */

/** Id of a resource's actor under the supervisor (and its event-log source suffix). */
export const resourceActorId = (name: string): string => `resource.${name}`;

/** The states in which a resource is up (serving, perhaps impaired). */
export const UP: readonly SupervisedState[] = ['ready', 'degraded', 'recovering'];

/** The resources in topological order (dependencies first). */
export const list = (context: SupervisorContext): SupervisedResource[] =>
  context.order.map((name) => context.resources[name]).filter((r): r is SupervisedResource => r !== undefined);

/** A dependency lets its dependents start when it is up, or when it is optional and gave up. */
const satisfies = (dep: SupervisedResource | undefined): boolean =>
  dep !== undefined && !dep.restartPending && (UP.includes(dep.state) || (dep.optional && dep.state === 'failed'));

/** A required resource failed and will not be restarted: start nothing more. */
export const haltingOnFailure = (context: SupervisorContext): boolean =>
  list(context).some((r) => !r.optional && r.state === 'failed' && !r.restartPending && !r.backoffPending);

/** The crash-loop back-off before restart number `n` (1-based): `initial × 2^(n−1)`, capped. */
export function crashLoopBackoffMs(
  context: Pick<SupervisorContext, 'initialBackoff' | 'maxBackoff'>,
  n: number,
): number {
  const grown = context.initialBackoff * 2 ** Math.min(Math.max(0, n - 1), 40);
  return Math.max(0, Math.min(grown, context.maxBackoff, 2_147_483_647));
}

/** Resources to send `START` to now, with the dependencies they start with. */
export function startable(context: SupervisorContext): { name: string; dependencies: string[] }[] {
  if (haltingOnFailure(context)) return [];
  return list(context)
    .filter((r) => (r.state === 'idle' || r.state === 'stopped') && !r.restartPending)
    .filter((r) => r.dependsOn.every((d) => satisfies(context.resources[d])))
    .map((r) => ({
      name: r.name,
      dependencies: r.dependsOn.filter((d) => UP.includes(context.resources[d]?.state ?? 'idle')),
    }));
}

const dependentsOf = (context: SupervisorContext, name: string): SupervisedResource[] =>
  list(context).filter((r) => r.dependsOn.includes(name));

/** `name` and every resource that depends on it, directly or not. */
export function withDependents(context: SupervisorContext, name: string): Set<string> {
  const found = new Set<string>([name]);
  for (const r of list(context)) if (r.dependsOn.some((d) => found.has(d))) found.add(r.name);
  return found;
}

/** Resources to send `STOP` to now for a scheduled restart: dependents first. */
export const stoppableForRestart = (context: SupervisorContext): string[] =>
  list(context)
    .filter((r) => r.restartPending && !['stopping', 'stopped', 'idle'].includes(r.state))
    .filter((r) => dependentsOf(context, r.name).every((d) => !d.restartPending))
    .map((r) => r.name);

/** Resources to send `STOP` to now when stopping everything: those whose dependents all stopped. */
export const stoppableInReverseOrder = (context: SupervisorContext): string[] =>
  list(context)
    .filter((r) => r.state !== 'stopping' && r.state !== 'stopped')
    .filter((r) => dependentsOf(context, r.name).every((d) => d.state === 'stopped'))
    .map((r) => r.name);

/** The resources with `change` applied to those named in `names`. */
export function patch(
  context: SupervisorContext,
  names: Iterable<string>,
  change: (r: SupervisedResource) => Partial<SupervisedResource>,
): Record<string, SupervisedResource> {
  const resources = { ...context.resources };
  for (const name of names) {
    const current = resources[name];
    if (current) resources[name] = { ...current, ...change(current) };
  }
  return resources;
}

/**
 * A report moves the resource to `state`, unless the supervisor already told it to stop: until
 * its `RESOURCE.STOPPED` arrives, a report sent before it saw `STOP` only updates the details.
 */
export const report = (r: SupervisedResource, state: SupervisedState): SupervisedState =>
  r.state === 'stopping' && state !== 'stopped' ? 'stopping' : state;

/** The resource an event is about (`''` when it is about none). */
export const nameOf = (event: SupervisorEvent): string => ('name' in event ? event.name : '');

/** The record of a resource not started yet. */
export const initialResource = (input: SupervisedResourceInput): SupervisedResource => ({
  name: input.name,
  dependsOn: input.dependsOn,
  optional: input.optional,
  state: 'idle',
  attempts: 0,
  restarts: 0,
  restartPending: false,
  backoffPending: false,
  backoffs: 0,
});

/** What a resource actor is spawned with: its input without the supervisor's own fields. */
export const resourceInput = ({ dependsOn: _d, optional: _o, ...input }: SupervisedResourceInput): ResourceInput =>
  input;
