import { describe, expect, it } from 'vitest';
import { DependencyCycleError } from '../../../src/errors/dependency-cycle-error.js';
import { UnknownDependencyError } from '../../../src/errors/unknown-dependency-error.js';
import { findDependencyCycle, topologicalOrder } from '../../../src/runtime/dependency-graph.js';

const graph = (entries: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(entries));

describe('dependency graph', () => {
  it('orders dependencies first, keeping the given order among free resources', () => {
    expect(topologicalOrder(graph({ database: ['cache', 'filesystem'], cache: [], filesystem: [] }))).toEqual([
      'cache',
      'filesystem',
      'database',
    ]);
    expect(topologicalOrder(graph({ d: ['b', 'c'], c: ['a'], b: ['a'], a: [] }))).toEqual(['a', 'c', 'b', 'd']);
    expect(topologicalOrder(graph({}))).toEqual([]);
  });

  it('finds no cycle in a DAG, and names the first cycle with its closing node', () => {
    expect(findDependencyCycle(graph({ a: [], b: ['a'], c: ['a', 'b'] }))).toBeUndefined();
    expect(findDependencyCycle(graph({ a: ['a'] }))).toEqual(['a', 'a']);
    expect(findDependencyCycle(graph({ x: [], database: ['cache'], cache: ['database'] }))).toEqual([
      'database',
      'cache',
      'database',
    ]);
    expect(findDependencyCycle(graph({ a: ['b'], b: ['c'], c: ['d'], d: ['b'] }))).toEqual(['b', 'c', 'd', 'b']);
  });

  it('throws DependencyCycleError and UnknownDependencyError', () => {
    expect(() => topologicalOrder(graph({ a: ['b'], b: ['a'] }))).toThrow(DependencyCycleError);
    expect(() => topologicalOrder(graph({ a: ['b'], b: ['a'] }))).toThrow('a -> b -> a');
    expect(() => topologicalOrder(graph({ a: ['nope'] }))).toThrow(UnknownDependencyError);
    expect(() => topologicalOrder(graph({ a: ['nope'] }))).toThrow('a.depends_on names "nope"');
  });
});
