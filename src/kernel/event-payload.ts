import type { SecretRegistry } from '../logging/redact.js';

/**
 * An event's payload as the event log keeps it: secrets redacted (by key and by value), and
 * errors without their stack traces (they name files and lines of the host, change with every
 * build, and say nothing a replay or a reader of the timeline needs).
 */
export function eventPayload(secrets: SecretRegistry, payload: Record<string, unknown>): Record<string, unknown> {
  return dropStacks(secrets.redact(payload), 0) as Record<string, unknown>;
}

function dropStacks(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = dropStacks(value[i], depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.stack === 'string' && typeof record.message === 'string') delete record.stack;
  for (const key of Object.keys(record)) record[key] = dropStacks(record[key], depth + 1);
  return record;
}
