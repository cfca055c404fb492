import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { resourceKeys, seconds } from './common.js';

const MODE_HINT = 'expected a file mode in octal such as 0755 (a number, or a string "0755")';

/**
 * A file mode. YAML `0755` reaches here as the string "0755" (the loader keeps the source text),
 * code passes `0o755` (a number). A number whose decimal digits are all octal and that is larger
 * than 0o777, such as `755`, is read as those octal digits.
 */
export const fileMode = () =>
  z.union([z.number(), z.string()], { error: MODE_HINT }).transform((value, ctx) => {
    const mode = parseMode(value);
    if (mode === undefined) {
      ctx.addIssue({ code: 'custom', message: MODE_HINT });
      return z.NEVER;
    }
    return mode;
  });

function parseMode(value: number | string): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return undefined;
    if (value <= 0o777) return value;
    return /^[0-7]{3,4}$/.test(String(value)) ? parseInt(String(value), 8) : undefined;
  }
  const match = /^(?:0o?)?([0-7]{3,4})$/i.exec(value.trim());
  if (!match?.[1]) return undefined;
  const mode = parseInt(match[1], 8);
  return mode <= 0o7777 ? mode : undefined;
}

/** `filesystem:` — the area Stator owns on disk. */
export const filesystemSection = z.strictObject({
  /** Root of every path Stator touches; nothing resolves outside it. */
  base_path: z.string().min(1).default('./var'),
  /** Mode of created directories. */
  permissions: fileMode().default(0o755),
  /** Directories created under base_path at start. */
  required_dirs: z
    .array(
      z
        .string()
        .min(1)
        .check((ctx) => {
          const dir = ctx.value;
          if (
            isAbsolute(dir) ||
            /^[a-zA-Z]:[\\/]/.test(dir) ||
            dir.split(/[\\/]+/).includes('..') ||
            dir.includes('\0')
          ) {
            ctx.issues.push({
              code: 'custom',
              input: dir,
              message: 'expected a directory relative to filesystem.base_path that stays inside it',
            });
          }
        }),
    )
    .default(['cache', 'logs', 'uploads']),
  /**
   * Seconds one `stator.fs` operation (and the layer's start and check) may take before it is
   * abandoned (a hung mount); 0 = none. Default `supervisor.resource_defaults.timeout`.
   */
  timeout: seconds().optional(),
  ...resourceKeys,
});
