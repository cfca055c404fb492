import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPathOutsideBaseError } from '../../../src/errors/path-outside-base-error.js';
import { createStatorFs, type StatorFs } from '../../../src/filesystem/filesystem-api.js';

// Real files and links in a temporary directory:
//   root/outside/secret.txt         what an escape would reach
//   root/base-evil/file.txt         a sibling whose name starts with the base's name
//   root/base/data/file.txt         ordinary content
//   root/base/link-out      -> root/outside          (directory link out)
//   root/base/file-link-out -> root/outside/secret.txt
//   root/base/dangling-out  -> root/outside/created-by-escape.txt (does not exist)
//   root/base/inside-link   -> root/base/data        (allowed)
//   root/base/loop-a -> loop-b -> loop-a
//   root/base-link          -> root/base             (a base reached through a link)
const root = mkdtempSync(join(tmpdir(), 'stator-sandbox-'));
const base = join(root, 'base');
const outside = join(root, 'outside');
let fs: StatorFs;

beforeAll(() => {
  mkdirSync(join(base, 'data'), { recursive: true });
  mkdirSync(outside);
  mkdirSync(join(root, 'base-evil'));
  writeFileSync(join(outside, 'secret.txt'), 'outside secret');
  writeFileSync(join(root, 'base-evil', 'file.txt'), 'evil');
  writeFileSync(join(base, 'data', 'file.txt'), 'inside');
  writeFileSync(join(base, 'a%20b.txt'), 'literal percent');
  symlinkSync(outside, join(base, 'link-out'));
  symlinkSync(join(outside, 'secret.txt'), join(base, 'file-link-out'));
  symlinkSync(join(outside, 'created-by-escape.txt'), join(base, 'dangling-out'));
  symlinkSync(join(base, 'data'), join(base, 'inside-link'));
  symlinkSync(join(base, 'loop-b'), join(base, 'loop-a'));
  symlinkSync(join(base, 'loop-a'), join(base, 'loop-b'));
  symlinkSync(base, join(root, 'base-link'));
  fs = createStatorFs({ basePath: base });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const escapes: readonly [string, string][] = [
  ['parent traversal', '../outside/secret.txt'],
  ['traversal after a real directory', 'data/../../outside/secret.txt'],
  ['just ..', '..'],
  ['sibling sharing the base name as a prefix', '../base-evil/file.txt'],
  ['absolute path outside', '/etc/passwd'],
  ['absolute path of the outside file', join(outside, 'secret.txt')],
  ['percent-encoded ../', '%2e%2e%2foutside%2fsecret.txt'],
  ['percent-encoded slashes around ..', '..%2f..%2fetc%2fpasswd'],
  ['double percent-encoded ../', '%252e%252e%252foutside%252fsecret.txt'],
  ['percent-encoded absolute path', '%2fetc%2fpasswd'],
  ['backslash traversal', 'data\\..\\..\\outside\\secret.txt'],
  ['backslash parent', '..\\outside'],
  ['Windows drive path', 'C:\\Windows\\system32'],
  ['NUL byte', 'data/file.txt\0.png'],
  ['percent-encoded NUL byte', 'data/file.txt%00.png'],
  ['symlinked directory pointing outside', 'link-out/secret.txt'],
  ['symlink to a file outside', 'file-link-out'],
  ['dangling symlink whose target is outside', 'dangling-out'],
  ['new path under a symlinked parent', 'link-out/new/deeper/file.txt'],
  ['symbolic link loop', 'loop-a/file.txt'],
];

describe('stator.fs refuses every path leading outside base_path', () => {
  it.each(escapes)('%s: %j', (_name, path) => {
    let caught: unknown;
    try {
      fs.resolve(path);
    } catch (error) {
      caught = error;
    }
    expect(isPathOutsideBaseError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe('PATH_OUTSIDE_BASE');
    expect((caught as Error).message).toContain(base);
  });

  it.each(escapes)('read and write refuse it too: %s', async (_name, path) => {
    await expect(fs.readFile(path)).rejects.toMatchObject({ code: 'PATH_OUTSIDE_BASE' });
    await expect(fs.writeFile(path, 'pwned')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_BASE' });
    await expect(fs.list(path)).rejects.toMatchObject({ code: 'PATH_OUTSIDE_BASE' });
    await expect(fs.remove(path, { recursive: true })).rejects.toMatchObject({ code: 'PATH_OUTSIDE_BASE' });
  });

  it('left everything outside untouched', () => {
    expect(existsSync(join(outside, 'created-by-escape.txt'))).toBe(false);
    expect(existsSync(join(outside, 'new'))).toBe(false);
    expect(existsSync(join(outside, 'secret.txt'))).toBe(true);
  });

  it('says why, naming the link', () => {
    expect(() => fs.resolve('link-out/secret.txt')).toThrow(
      `symbolic link "link-out" points to ${join(outside, 'secret.txt')}, outside`,
    );
    expect(() => fs.resolve('../x')).toThrow('climbs out with ".."');
    expect(() => fs.resolve('a\0b')).toThrow('contains a NUL byte');
  });
});

describe('stator.fs accepts paths that stay inside', () => {
  it.each([
    ['data/file.txt', join(base, 'data', 'file.txt')],
    ['./data/file.txt', join(base, 'data', 'file.txt')],
    ['data/../data/file.txt', join(base, 'data', 'file.txt')],
    ['.', base],
    ['', base],
    [join(base, 'data'), join(base, 'data')],
    ['inside-link/file.txt', join(base, 'inside-link', 'file.txt')],
    ['new/not/yet/created.txt', join(base, 'new', 'not', 'yet', 'created.txt')],
    ['a%20b.txt', join(base, 'a%20b.txt')],
    ['100%', join(base, '100%')],
  ])('%j', (path, expected) => {
    expect(fs.resolve(path)).toBe(expected);
  });

  it('reads through a symlink that stays inside, and a literal percent name', async () => {
    expect(await fs.readFile('inside-link/file.txt', 'utf8')).toBe('inside');
    expect(await fs.readFile('a%20b.txt', 'utf8')).toBe('literal percent');
  });

  it('works when the base itself is reached through a symbolic link', async () => {
    const linked = createStatorFs({ basePath: join(root, 'base-link') });
    expect(await linked.readFile('data/file.txt', 'utf8')).toBe('inside');
    expect(() => linked.resolve('link-out/secret.txt')).toThrow(/outside/);
  });
});
