import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** One file of a rotated set. */
export interface RotatedFile {
  /** Absolute path. */
  readonly path: string;
  /** The rotation index in its name (`audit.000003.jsonl` is 3); undefined for the active file. */
  readonly index: number | undefined;
}

/** The files of a log, oldest first, and what is missing between them. */
export interface RotatedSet {
  /** Rotated files in index order, then the active file when it exists. */
  readonly files: readonly RotatedFile[];
  /** Indexes missing between the oldest and the newest rotated file (a file deleted from the middle). */
  readonly missing: readonly number[];
}

/** Digits of the rotation index in a rotated file's name. */
const INDEX_DIGITS = 6;

function parts(file: string): { dir: string; stem: string; ext: string } {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const ext = path.extname(base);
  return { dir, stem: ext ? base.slice(0, -ext.length) : base, ext };
}

/**
 * The name a file gets when it is rotated: `logs/audit.jsonl` → `logs/audit.000003.jsonl`.
 * Indexes only grow, so the names sort in the order the files were written, and a rename by hand
 * (files swapped) shows as a chain or order break rather than going unnoticed.
 */
export function rotatedName(file: string, index: number): string {
  const { dir, stem, ext } = parts(file);
  return path.join(dir, `${stem}.${String(index).padStart(INDEX_DIGITS, '0')}${ext}`);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Lists the rotated set of `file` (the active file's path): every `stem.NNNNNN.ext` beside it in
 * index order, then `file` itself when it exists. A missing directory is an empty set.
 *
 * @example
 * ```ts
 * const { files, missing } = await listRotatedSet('var/logs/audit.jsonl');
 * // files: audit.000001.jsonl, audit.000002.jsonl, audit.jsonl; missing: []
 * ```
 */
export async function listRotatedSet(file: string): Promise<RotatedSet> {
  const absolute = path.resolve(file);
  const { dir, stem, ext } = parts(absolute);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], missing: [] };
    throw error;
  }
  const pattern = new RegExp(`^${escape(stem)}\\.(\\d{${INDEX_DIGITS},})${escape(ext)}$`);
  const rotated: RotatedFile[] = [];
  let active = false;
  for (const name of names) {
    if (name === path.basename(absolute)) active = true;
    const match = pattern.exec(name);
    if (match?.[1]) rotated.push({ path: path.join(dir, name), index: Number(match[1]) });
  }
  rotated.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const missing: number[] = [];
  for (let i = 1; i < rotated.length; i++) {
    for (let n = (rotated[i - 1]?.index ?? 0) + 1; n < (rotated[i]?.index ?? 0); n++) missing.push(n);
  }
  return { files: active ? [...rotated, { path: absolute, index: undefined }] : rotated, missing };
}

/** The highest rotation index of `file`'s set, 0 when nothing was rotated yet. */
export async function lastRotatedIndex(file: string): Promise<number> {
  const { files } = await listRotatedSet(file);
  return files.reduce((max, f) => Math.max(max, f.index ?? 0), 0);
}
