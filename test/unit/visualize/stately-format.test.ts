import { createMachine, type AnyStateMachine } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { machinesById } from '../../../machines/index.js';
import { toStatelySource } from '../../../src/visualize/stately.js';

/** Every state id and every transition (source, event, targets, guard name) of a machine. */
function shape(machine: AnyStateMachine): { states: string[]; edges: string[] } {
  const states: string[] = [];
  const edges: string[] = [];
  const walk = (node: DirectedGraphNode): void => {
    states.push(node.id);
    for (const e of node.edges) edges.push(`${e.source.id} -${e.transition.eventType}-> ${e.target.id}`);
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  return { states: states.sort(), edges: edges.sort() };
}

/** What Stately's importer does with the file: evaluate the `createMachine({...})` call. */
function importLikeStately(source: string): AnyStateMachine {
  const call = source
    .split('\n')
    .filter((l) => !l.startsWith('//'))
    .join('\n');
  expect(call.trimStart().startsWith('createMachine({')).toBe(true);
  return new Function('createMachine', `return ${call}`)(createMachine) as AnyStateMachine;
}

describe('stator visualize --format stately', () => {
  for (const [id, machine] of Object.entries(machinesById)) {
    it(`${id}: a createMachine() call with the same states and transitions as the machine`, () => {
      const source = toStatelySource(machine);
      expect(source).not.toMatch(/=>|function\s*\(/); // nothing that only runs in code
      const imported = importLikeStately(source);
      expect(imported.id).toBe(id);
      expect(shape(imported)).toEqual(shape(machine));
    });
  }

  it('writes guard combinators by name', () => {
    expect(toStatelySource(machinesById.supervisor as AnyStateMachine)).toMatch(/"guard": "(and|or|not)\(/);
  });
});
