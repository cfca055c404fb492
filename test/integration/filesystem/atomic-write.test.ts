import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStatorFs } from '../../../src/filesystem/filesystem-api.js';

const root = mkdtempSync(join(tmpdir(), 'stator-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh base directory per test, so listings show only that test's files. */
function freshFs() {
  const base = join(root, `t${n++}`);
  mkdirSync(base);
  return { base, fs: createStatorFs({ basePath: base }) };
}

describe('atomic writeFile', () => {
  it('writes text and bytes and reads them back', async () => {
    const { fs } = freshFs();
    await fs.writeFile('a.txt', 'hello');
    await fs.writeFile('b.bin', Buffer.from([0, 1, 2, 255]));
    expect(await fs.readFile('a.txt', 'utf8')).toBe('hello');
    expect([...(await fs.readFile('b.bin'))]).toEqual([0, 1, 2, 255]);
    expect(await fs.list()).toEqual(['a.txt', 'b.bin']);
  });

  it('sets the requested mode exactly, whatever the umask', async () => {
    const { base, fs } = freshFs();
    const previous = process.umask(0o077);
    try {
      await fs.writeFile('shared.txt', 'x', { mode: 0o664 });
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(base, 'shared.txt')).mode & 0o777).toBe(0o664);
  });

  it('keeps the mode of the file it replaces', async () => {
    const { base, fs } = freshFs();
    await fs.writeFile('keep.txt', 'v1', { mode: 0o600 });
    await fs.writeFile('keep.txt', 'v2');
    expect(statSync(join(base, 'keep.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(base, 'keep.txt'), 'utf8')).toBe('v2');
  });

  it('leaves one complete file and no temporary files when many writers race', async () => {
    const { base, fs } = freshFs();
    const contents = Array.from({ length: 24 }, (_, i) => `${i}:`.padEnd(256 * 1024, String.fromCharCode(97 + i)));
    await Promise.all(contents.map((content) => fs.writeFile('race.txt', content)));
    const final = readFileSync(join(base, 'race.txt'), 'utf8');
    expect(contents).toContain(final);
    expect(readdirSync(base)).toEqual(['race.txt']);
  });

  it('never shows a reader a partly written file', async () => {
    const { base, fs } = freshFs();
    const versions = Array.from({ length: 8 }, (_, i) => randomBytes(512 * 1024).toString('hex') + String(i));
    writeFileSync(join(base, 'doc.txt'), versions[0]!);
    let reading = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (reading) seen.add(await fs.readFile('doc.txt', 'utf8'));
    })();
    for (const version of versions.slice(1)) await fs.writeFile('doc.txt', version);
    reading = false;
    await reader;
    for (const text of seen) expect(versions).toContain(text);
    expect(readFileSync(join(base, 'doc.txt'), 'utf8')).toBe(versions.at(-1));
  });

  it('keeps the old content and removes its temporary file when the data fails mid-write', async () => {
    const { base, fs } = freshFs();
    await fs.writeFile('report.json', '{"complete":true}');
    async function* failing(): AsyncGenerator<string> {
      yield '{"partial":';
      yield 'x'.repeat(64 * 1024);
      throw new Error('producer crashed');
    }
    await expect(fs.writeFile('report.json', failing())).rejects.toThrow('producer crashed');
    expect(readFileSync(join(base, 'report.json'), 'utf8')).toBe('{"complete":true}');
    expect(readdirSync(base)).toEqual(['report.json']);
  });

  it('writes a stream of chunks', async () => {
    const { fs } = freshFs();
    await fs.writeFile('stream.txt', ['a', Buffer.from('b'), 'c']);
    expect(await fs.readFile('stream.txt', 'utf8')).toBe('abc');
  });

  it('stops on abort and leaves the file as it was', async () => {
    const { base, fs } = freshFs();
    await fs.writeFile('x.txt', 'old');
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<string> {
      yield 'new-';
      controller.abort(new Error('shutting down'));
      yield 'rest';
    }
    await expect(fs.writeFile('x.txt', slow(), { signal: controller.signal })).rejects.toThrow('shutting down');
    expect(readFileSync(join(base, 'x.txt'), 'utf8')).toBe('old');
    expect(readdirSync(base)).toEqual(['x.txt']);
  });

  it('writes through a symbolic link inside the base to its target, keeping the link', async () => {
    const { base, fs } = freshFs();
    await fs.mkdir('real');
    await fs.writeFile('real/t.txt', 'one');
    const { symlinkSync, lstatSync } = await import('node:fs');
    symlinkSync(join(base, 'real', 't.txt'), join(base, 'alias.txt'));
    await fs.writeFile('alias.txt', 'two');
    expect(lstatSync(join(base, 'alias.txt')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(base, 'real', 't.txt'), 'utf8')).toBe('two');
  });
});
