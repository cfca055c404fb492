import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listRotatedSet, rotatedName } from '../logging/rotation/rotated-set.js';
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

/**
 * Reads and parses an event log: the file written with `events.path` and, when it was rotated,
 * every older file of its set first (`events.000001.jsonl`, `events.000002.jsonl`, ..., then
 * `events.jsonl`), so that a replay sees the whole recording in order. Files deleted by
 * retention before the oldest one kept are not missed; a file missing from the middle is an error.
 *
 * @throws EventLogFormatError when a line is not an entry, or a file of the set is missing.
 * @throws the file system's error when no file of the set exists.
 */
export async function readEventLog(file: string): Promise<StatorEvent[]> {
  const set = await listRotatedSet(file);
  if (set.missing.length) {
    const names = set.missing.map((i) => path.basename(rotatedName(file, i))).join(', ');
    throw new EventLogFormatError(
      `${file}: ${names} ${set.missing.length === 1 ? 'is' : 'are'} missing from the rotated set; restore it, or replay the files after it alone`,
    );
  }
  if (set.files.length === 0) return parseEventLog(await readFile(file, 'utf8'), file);
  const events: StatorEvent[] = [];
  for (const f of set.files) events.push(...parseEventLog(await readFile(f.path, 'utf8'), f.path));
  return events;
}

function checkEntry(entry: unknown, where: string): StatorEvent {
  if (!entry || typeof entry !== 'object') throw new EventLogFormatError(`${where}: expected an object`);
  const e = entry as Record<string, unknown>;
  if (e.v !== EVENT_LOG_VERSION) {
    throw new EventLogFormatError(
      `${where}: format version ${String(e.v)}; this Stator reads version ${EVENT_LOG_VERSION}`,
    );
  }
  for (const key of ['seq', 'time'] as const) {
    if (typeof e[key] !== 'number') throw new EventLogFormatError(`${where}: "${key}" must be a number`);
  }
  for (const key of ['source', 'type'] as const) {
    if (typeof e[key] !== 'string') throw new EventLogFormatError(`${where}: "${key}" must be a string`);
  }
  return entry as StatorEvent;
}
