/**
 * When a rotating log file starts a new file, and how many old ones it keeps.
 *
 * A file is rotated before a write that would take it past `maxSize`, or at the first write
 * after it has been open for `maxAge`. A line is never split across files: a single write larger
 * than `maxSize` goes whole into a fresh file.
 */
export interface RotationPolicy {
  /** Bytes a file may reach before the next write goes to a fresh one. 0 or unset: no size limit. */
  readonly maxSize?: number;
  /** Milliseconds a file is written to before the next write goes to a fresh one. 0 or unset: no age limit. */
  readonly maxAge?: number;
  /** Rotated files kept besides the active one; older ones are deleted. Unset: every file is kept. */
  readonly keep?: number;
}

/** The `rotation:` keys of a configuration section (sizes in bytes, durations in seconds). */
export interface RotationSettings {
  readonly max_size: number;
  readonly max_age: number;
  readonly keep?: number | undefined;
}

/** Converts configuration settings (seconds) to a {@link RotationPolicy} (milliseconds). */
export function rotationPolicy(settings: RotationSettings | undefined): RotationPolicy {
  if (!settings) return {};
  return {
    maxSize: settings.max_size,
    maxAge: settings.max_age * 1000,
    ...(settings.keep !== undefined ? { keep: settings.keep } : {}),
  };
}
