import type { Command } from 'commander';

/**
 * Every `stator` subcommand registers itself on the program. One file per command in this folder
 * (`start.ts`, `check.ts`, `visualize.ts`, `replay.ts`, `audit.ts`), one line each here.
 */
export type RegisterCommand = (program: Command) => void;

export const commands: readonly (() => Promise<RegisterCommand>)[] = [
  () => import('./start.js').then((m) => m.register),
  () => import('./check.js').then((m) => m.register),
  () => import('./visualize.js').then((m) => m.register),
  () => import('./replay.js').then((m) => m.register),
  () => import('./audit.js').then((m) => m.register),
  () => import('./fleet.js').then((m) => m.register),
];
