import type { AnyStateMachine } from 'xstate';

/** A guard combinator from xstate (`and`, `or`, `not`): a function carrying the guards it combines. */
interface GuardCombinator {
  readonly name: string;
  readonly guards?: readonly unknown[];
}

/** A guard as a name: `isReady`, `and(isReady, not(isStopping))`. */
function guardText(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const combinator = guard as GuardCombinator;
    const inner = combinator.guards?.map(guardText).join(', ');
    return inner === undefined ? combinator.name || 'guard' : `${combinator.name}(${inner})`;
  }
  if (guard && typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  return 'guard';
}

/**
 * A machine as the source Stately Studio's editor imports ("Import from code" takes a
 * `createMachine({...})` call): the machine's own configuration, with what only runs in code
 * left out — `context` and invoke `input` factories (Stator fills them at runtime) — and guard
 * combinators written as names (`and(a, not(b))`), since the editor shows guards by name.
 * Actions, actors, guards and delays are referenced by name, as `machines/` defines them.
 */
export function toStatelySource(machine: AnyStateMachine): string {
  const replacer = (key: string, value: unknown): unknown => {
    if (key === 'guard') return guardText(value);
    if (typeof value === 'function') return undefined; // context and input factories run only in code
    return value;
  };
  const config = JSON.stringify(machine.config, replacer, 2);
  return [
    `// The "${machine.id}" machine of Stator, for Stately Studio: open the editor, then Code > Import`,
    '// (or Machine > Import) and paste this file. Written by `stator visualize --format stately`.',
    `createMachine(${config});`,
    '',
  ].join('\n');
}
