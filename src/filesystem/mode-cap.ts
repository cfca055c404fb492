/**
 * Why a mode a caller asked for is refused, or undefined when it is acceptable. `filesystem.permissions`
 * caps every mode Stator's file API sets: a directory may have at most those bits, a file at most
 * those bits without execute; setuid, setgid and sticky bits and world-writable modes are refused
 * whatever the cap says.
 *
 * @example
 * ```ts
 * modeProblem(0o6777, 0o755, 'file'); // 'sets setuid/setgid/sticky bits (06000)'
 * modeProblem(0o644, 0o755, 'file');  // undefined
 * ```
 */
export function modeProblem(mode: unknown, permissions: number, kind: 'file' | 'directory'): string | undefined {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777)
    return `mode must be an integer from 0 to 0o7777, got ${String(mode)}`;
  const special = mode & 0o7000;
  if (special) return `sets setuid/setgid/sticky bits (0${special.toString(8)})`;
  if (mode & 0o002) return `is world-writable (0${mode.toString(8)})`;
  const cap = kind === 'directory' ? permissions & 0o777 : permissions & 0o666;
  const extra = mode & ~cap;
  if (extra)
    return `0${mode.toString(8)} exceeds filesystem.permissions (0${cap.toString(8)} for a ${kind}): bits 0${extra.toString(8)}`;
  return undefined;
}
