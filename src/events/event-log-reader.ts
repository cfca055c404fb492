import { readFile } from 'node:fs/promises';
import { EVENT_LOG_VERSION, type StatorEvent } from '../kernel/event-bus.js';

/** A line of an event log that is not a valid entry. */
export class EventLogFormatError extends Error {
  public readonly code = 'EVENT_LOG_INVALID';
  public constructor(message: string) {
    super(message);
    this.name = 'EventLogFormatError';
  }
}

/** Parses JSONL event-log text: one {@link StatorEvent} per non-empty line, in order. */
export function parseEventLog(text: string, name = 'event log'): StatorEvent[] {
  const events: StatorEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw new EventLogFormatError(`${name}:${i + 1}: not JSON. Each line must be one event object.`);
    }
    events.push(checkEntry(entry, `${name}:${i + 1}`));
  }
  return events;
}

/** Reads and parses a JSONL event log file. */
export async function readEventLog(file: string): Promise<StatorEvent[]> {
  return parseEventLog(await readFile(file, 'utf8'), file);
}

function checkEntry(entry: unknown, where: string): StatorEvent {
  if (!entry || typeof entry !== 'object') throw new EventLogFormatError(`${where}: expected an object`);
  const e = entry as Record<string, unknown>;
  if (e.v !== EVENT_LOG_VERSION) {
    throw new EventLogFormatError(`${where}: format version ${String(e.v)}; this Stator reads version ${EVENT_LOG_VERSION}`);
  }
  for (const key of ['seq', 'time'] as const) {
    if (typeof e[key] !== 'number') throw new EventLogFormatError(`${where}: "${key}" must be a number`);
  }
  for (const key of ['source', 'type'] as const) {
    if (typeof e[key] !== 'string') throw new EventLogFormatError(`${where}: "${key}" must be a string`);
  }
  return entry as StatorEvent;
}
