import { DependencyCycleError } from '../errors/dependency-cycle-error.js';
import { UnknownDependencyError } from '../errors/unknown-dependency-error.js';

/** Resource name → names of the resources it depends on, in declaration order. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/**
 * The first dependency cycle in `graph`, as the path that closes it
 * (`['database', 'cache', 'database']`), or undefined when there is none. Resources are visited
 * in the graph's order, so the same graph always names the same cycle.
 */
export function findDependencyCycle(graph: DependencyGraph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();

  const visit = (name: string): string[] | undefined => {
    if (done.has(name)) return undefined;
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    onPath.add(name);
    path.push(name);
    for (const dep of graph.get(name) ?? []) {
      if (!graph.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return undefined;
  };

  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The resources in an order where each comes after everything it depends on; among resources
 * free to go, the graph's own order is kept (cache, filesystem, database, then custom ones).
 *
 * @throws {UnknownDependencyError} when a resource depends on a name that is not in the graph.
 * @throws {DependencyCycleError} naming the cycle when there is one.
 */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const known = [...graph.keys()];
  for (const [name, deps] of graph) {
    for (const dep of deps) if (!graph.has(dep)) throw new UnknownDependencyError(name, dep, known);
  }
  const cycle = findDependencyCycle(graph);
  if (cycle) throw new DependencyCycleError(cycle);

  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < known.length) {
    const next = known.find((name) => !placed.has(name) && (graph.get(name) ?? []).every((d) => placed.has(d)));
    // Unreachable without a cycle; kept so a bug cannot loop forever.
    if (next === undefined) throw new DependencyCycleError(known.filter((n) => !placed.has(n)));
    order.push(next);
    placed.add(next);
  }
  return order;
}
