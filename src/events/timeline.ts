import type { ReplayResult, ReplayStep } from './replay.js';

/** Options of {@link formatTimeline}. */
export interface TimelineOptions {
  /** ANSI colours (state changes in bold green, the divergence in red). Default: false. */
  readonly color?: boolean;
}

/**
 * A replay as text: one block per machine, one line per event with the time since the first
 * event, the event, and the state it led to, state changes marked `→`, then the first divergence.
 */
export function formatTimeline(result: ReplayResult, options: TimelineOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const start = result.steps[0]?.time ?? 0;
  const bySource = new Map<string, ReplayStep[]>();
  for (const step of result.steps) {
    let list = bySource.get(step.source);
    if (!list) bySource.set(step.source, (list = []));
    list.push(step);
  }
  const lines: string[] = [];
  for (const [source, steps] of bySource) {
    lines.push(paint('1', source));
    let previous: string | undefined;
    for (const step of steps) {
      const state = show(step.expected);
      const changed = state !== previous;
      previous = state;
      const at = `+${((step.time - start) / 1000).toFixed(3)}s`.padStart(12);
      const marker = step.matches ? (changed ? paint('1;32', '→') : ' ') : paint('1;31', '✗');
      const detail = step.matches ? '' : paint('31', `  ${mismatch(step, start)}`);
      lines.push(
        `${at}  #${String(step.seq).padEnd(6)} ${step.type.padEnd(40)} ${marker} ${changed ? paint('1', state) : state}${detail}`,
      );
    }
  }
  const d = result.divergence;
  lines.push('');
  lines.push(
    d
      ? paint(
          '1;31',
          `first divergence at #${d.seq} (${d.source}, ${d.type}): recorded ${show(d.expected)}, ${mismatch(d, start)}`,
        )
      : paint('1;32', `no divergence: ${result.steps.length} events replayed to the recorded states`),
  );
  return lines.join('\n') + '\n';
}

/** What the replay did instead, in words. */
function mismatch(step: ReplayStep, start: number): string {
  const at = (time: number): string => `+${((time - start) / 1000).toFixed(3)}s`;
  if (step.actualTime !== undefined && step.actualTime > step.time) {
    return `replay was still ${show(step.actual)} (its next event came only at ${at(step.actualTime)})`;
  }
  const on = step.actualType ? ` on ${step.actualType}` : '';
  const when = step.actualTime !== undefined ? ` at ${at(step.actualTime)}` : '';
  return `replay reached ${show(step.actual)}${on}${when}`;
}

function show(state: unknown): string {
  if (state === undefined) return '(nothing)';
  return typeof state === 'string' ? state : JSON.stringify(state);
}
