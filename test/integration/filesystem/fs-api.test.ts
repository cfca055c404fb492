import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFsError } from '../../../src/filesystem/fs-error.js';
import { createStatorFs } from '../../../src/filesystem/filesystem-api.js';

const base = mkdtempSync(join(tmpdir(), 'stator-fs-api-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const fs = createStatorFs({ basePath: base, directoryMode: 0o750 });

describe('stator.fs operations', () => {
  it('mkdir creates parents with the configured mode, exactly', async () => {
    const previous = process.umask(0o077);
    try {
      await fs.mkdir('m/n/o');
    } finally {
      process.umask(previous);
    }
    for (const dir of ['m', 'm/n', 'm/n/o']) expect(statSync(join(base, dir)).mode & 0o777).toBe(0o750);
    await fs.mkdir('m/n/o'); // exists: fine
    await fs.mkdir('p', { mode: 0o700 });
    expect(statSync(join(base, 'p')).mode & 0o777).toBe(0o700);
  });

  it('list, stat, exists and remove', async () => {
    await fs.mkdir('r/sub');
    await fs.writeFile('r/one.txt', '1');
    await fs.writeFile('r/sub/two.txt', '22');
    expect(await fs.list('r')).toEqual(['one.txt', 'sub']);
    expect((await fs.stat('r/sub/two.txt')).size).toBe(2);
    expect(await fs.exists('r/one.txt')).toBe(true);
    expect(await fs.exists('r/none.txt')).toBe(false);
    await fs.remove('r/one.txt');
    await expect(fs.remove('r/sub')).rejects.toMatchObject({ code: 'ENOTEMPTY' });
    await fs.remove('r/sub', { recursive: true });
    expect(await fs.list('r')).toEqual([]);
    await fs.remove('r');
    expect(await fs.exists('r')).toBe(false);
  });

  it('refuses to remove the base itself', async () => {
    await expect(fs.remove('.', { recursive: true })).rejects.toThrow('refusing to remove the base path itself');
    expect(statSync(base).isDirectory()).toBe(true);
  });

  it('keeps the OS error code and says what to do', async () => {
    await expect(fs.readFile('missing.txt')).rejects.toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
      path: 'missing.txt',
      message: `readFile "missing.txt": no such file or directory (${join(base, 'missing.txt')}); check the path, list() shows what exists, mkdir() creates a directory`,
    });
    await expect(fs.writeFile('no-dir/x.txt', 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(join(base, 'plain'), 'x');
    await expect(fs.list('plain')).rejects.toMatchObject({ code: 'ENOTDIR' });
    mkdirSync(join(base, 'adir'));
    await expect(fs.readFile('adir')).rejects.toMatchObject({
      code: 'EISDIR',
      message: expect.stringContaining('is a directory; use list()'),
    });
  });

  it('explains permission errors, as an unprivileged user', () => {
    // Root writes anywhere: the case runs in a child process that drops to `nobody` (as CI runs as
    // root), on the built API, in a directory nobody may enter but not write.
    const api = resolve(import.meta.dirname, '../../../dist/src/filesystem/filesystem-api.js');
    if (!existsSync(api)) throw new Error(`${api} is missing: run \`npm run build\` first`);
    const root = mkdtempSync(join(tmpdir(), 'stator-fs-api-eacces-'));
    try {
      chmodSync(root, 0o755);
      mkdirSync(join(root, 'locked'));
      chmodSync(join(root, 'locked'), 0o555);
      const script = [
        'const { createStatorFs } = await import(process.argv[1]);',
        'const fs = createStatorFs({ basePath: process.argv[2] });',
        "try { await fs.writeFile('locked/x.txt', 'x'); console.log(JSON.stringify({ written: true })); }",
        'catch (e) { console.log(JSON.stringify({ uid: process.getuid(), code: e.code, message: e.message })); }',
      ].join('\n');
      const node = [process.execPath, '--input-type=module', '-e', script, api, root];
      const asRoot = process.getuid?.() === 0;
      const command = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...node] : node;
      const child = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
      expect(child.stderr).toBe('');
      const uid = asRoot ? Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout) : process.getuid?.();
      expect(uid).not.toBe(0);
      expect(JSON.parse(child.stdout) as unknown).toEqual({
        uid,
        code: 'EACCES',
        message: `writeFile "locked/x.txt": permission denied; check permissions of ${join(root, 'locked', 'x.txt')} and of its parent directories for the user running the service (uid ${uid})`,
      });
      expect(existsSync(join(root, 'locked', 'x.txt'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('explains EACCES from the OS', () => {
    const original = Object.assign(new Error("EACCES: permission denied, open '/srv/x'"), {
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
    });
    const explained = explainFsError(original, 'writeFile', 'x', '/srv/x') as Error & {
      code: string;
      errno: number;
      cause: unknown;
    };
    expect(explained.code).toBe('EACCES');
    expect(explained.errno).toBe(-13);
    expect(explained.cause).toBe(original);
    expect(explained.message).toMatch(
      /^writeFile "x": permission denied; check permissions of \/srv\/x and of its parent directories/,
    );
  });
});
