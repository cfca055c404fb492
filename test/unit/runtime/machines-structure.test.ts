import { readFileSync } from 'node:fs';
import type { AnyStateMachine, StateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { resourceMachine } from '../../../machines/resource.machine.js';
import { supervisorMachine } from '../../../machines/supervisor.machine.js';

/** Every state node of a machine, depth first. */
function nodes(machine: AnyStateMachine): StateNode[] {
  const out: StateNode[] = [];
  const walk = (node: StateNode): void => {
    out.push(node);
    for (const child of Object.values(node.states)) walk(child as StateNode);
  };
  walk(machine.root as unknown as StateNode);
  return out;
}

describe.each([
  ['supervisor', supervisorMachine, 'machines/supervisor.machine.ts'],
  ['resource', resourceMachine, 'machines/resource.machine.ts'],
] as const)('%s machine', (_name, machine, file) => {
  it('handles the error of every actor it invokes', () => {
    const invokes = nodes(machine).flatMap((node) => node.invoke.map((inv) => ({ node: node.id, inv })));
    for (const { node, inv } of invokes) {
      const errorEvent = `xstate.error.actor.${inv.id}`;
      expect(
        nodes(machine)
          .find((n) => n.id === node)
          ?.transitions.has(errorEvent),
        `${node} invokes ${String(inv.src)}`,
      ).toBe(true);
    }
  });

  it('is pure: imports only xstate and files of machines/ that do the same', () => {
    const seen = new Set<string>();
    const check = (path: string): void => {
      if (seen.has(path)) return;
      seen.add(path);
      const imports = [...readFileSync(path, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      for (const source of imports) {
        const sibling = /^\.\/([\w.-]+)\.js$/.exec(source);
        expect(source === 'xstate' || sibling !== null, `${path} imports ${source}`).toBe(true);
        if (sibling) check(`machines/${sibling[1]}.ts`);
      }
    };
    check(file);
  });

  it('names every action, guard, actor and delay it uses', () => {
    const json = JSON.stringify(machine.toJSON());
    expect(json).not.toContain('"type":"xstate.function"');
    expect(json).not.toMatch(/inline:/);
  });
});
