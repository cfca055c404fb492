import type { Subscription } from 'rxjs';
import type { Clock } from '../../kernel/clock.js';
import type { Stator } from '../../runtime/stator.js';
import type { StatusSnapshot } from '../../status/status-manager.js';
import { alertLine } from './observability-text.js';
import { changeLine, statusLines } from './status-text.js';

/** Where the view writes, and whether it may redraw in place. */
export interface ViewOutput {
  readonly write: (text: string) => void;
  readonly tty: boolean;
}

/**
 * Prints how resources change, from `status$`: one line per state change after the snapshot
 * current at subscription. Used while starting and stopping, and after start on anything that
 * is not a terminal.
 */
export function printChanges(stator: Stator, out: ViewOutput, clock: Clock): Subscription {
  let previous: StatusSnapshot | undefined;
  const stamp = (): string => (out.tty ? '' : `${new Date(clock.now()).toISOString()} `);
  const subscription = stator.status$.subscribe((snapshot) => {
    for (const [name, after] of Object.entries(snapshot.resources)) {
      if (!previous) break;
      const line = changeLine(name, previous?.resources[name], after);
      if (line) out.write(`${stamp()}${line}\n`);
    }
    previous = snapshot;
  });
  // Alert transitions get a line each too.
  subscription.add(stator.alerts$.subscribe((t) => out.write(`${stamp()}${alertLine(t)}\n`)));
  return subscription;
}

/**
 * The live status table on a terminal: drawn once, then redrawn in place on every change and
 * every `refreshMs` (for the ages). Returns a function that stops it, leaving the last table.
 */
export function liveTable(stator: Stator, out: ViewOutput, clock: Clock, refreshMs = 1000): () => void {
  let drawn = 0;
  let stopped = false;
  let timer: unknown;
  const draw = (snapshot: StatusSnapshot): void => {
    const lines = [...statusLines(snapshot, clock.now()), '  (Ctrl-C to stop)'];
    const up = drawn ? `\x1b[${drawn}A\x1b[0J` : '';
    out.write(`${up}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const subscription = stator.status$.subscribe((snapshot) => draw(snapshot));
  const tick = (): void => {
    if (stopped) return;
    draw(stator.health());
    timer = clock.setTimeout(tick, refreshMs);
  };
  timer = clock.setTimeout(tick, refreshMs);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
    subscription.unsubscribe();
  };
}
