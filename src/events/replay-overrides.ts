import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import type { ReplayOptions } from './replay.js';

/** Input changes for a replay, keyed by a recorded source (`breaker.cache`) or a machine id (`circuitBreaker`). */
export type InputOverrides = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * A {@link ReplayOptions.input} function that merges `overrides` into the recorded input of each
 * machine: the entry named by the actor's source wins over the one named by its machine id.
 *
 * @example
 * ```ts
 * // What if the cache breaker had waited 2 s before half-opening?
 * await replay(log, { input: overrideInputs({ 'breaker.cache': { resetTimeoutMs: 2000 } }) });
 * ```
 */
export function overrideInputs(overrides: InputOverrides): NonNullable<ReplayOptions['input']> {
  return (source, machineId, recorded) => {
    const change = overrides[source] ?? overrides[machineId];
    if (!change) return recorded;
    return { ...(recorded && typeof recorded === 'object' ? recorded : {}), ...change };
  };
}

/**
 * Parses the `--input` option of `stator replay`: a JSON object of objects.
 *
 * @throws {Error} naming what is wrong when the text is not such an object.
 */
export function parseInputOverrides(text: string): InputOverrides {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--input: not JSON. Expected e.g. '{"breaker.cache":{"resetTimeoutMs":2000}}'.`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(value) || !Object.values(value).every(isObject)) {
    throw new Error(`--input: expected an object of { "<source or machine id>": { "<input field>": value } }.`);
  }
  return value as InputOverrides;
}

/**
 * Loads replacement machine definitions for a replay from a module (`--machines MODULE`): its
 * `machinesById` export, or its default export, an object of machines by id. The module is
 * resolved from the working directory.
 *
 * @throws {Error} when the module exports no such object.
 */
export async function loadMachines(modulePath: string): Promise<Readonly<Record<string, AnyStateMachine>>> {
  const mod = (await import(pathToFileURL(path.resolve(modulePath)).href)) as {
    machinesById?: unknown;
    default?: unknown;
  };
  const machines = mod.machinesById ?? mod.default;
  const isMachine = (m: unknown): boolean =>
    !!m && typeof (m as { provide?: unknown }).provide === 'function' && typeof (m as { id?: unknown }).id === 'string';
  if (!machines || typeof machines !== 'object' || !Object.values(machines).every(isMachine)) {
    throw new Error(
      `--machines: ${modulePath} must export "machinesById" (or a default export): an object of XState machines by id.`,
    );
  }
  return machines as Readonly<Record<string, AnyStateMachine>>;
}
