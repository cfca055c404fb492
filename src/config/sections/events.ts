import { z } from 'zod';
import { rotationSection } from './rotation.js';

/** `events:` — the event log (every machine event and recovery signal, as JSONL). */
export const eventsSection = z.strictObject({
  /** Write the event log to this JSONL file (relative to filesystem.base_path unless absolute). Unset: no file. */
  path: z.string().min(1).optional(),
  /** Also record events of pooled connection machines (many, on busy pools). */
  include_connections: z.boolean().default(true),
  /** When the event log starts a new file and how many old ones are kept (`stator replay` reads the whole set). */
  rotation: rotationSection({ max_size: '64MB', keep: 10 }).prefault({}),
});
