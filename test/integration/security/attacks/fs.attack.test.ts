/**
 * Attacks on the guarded filesystem: another principal's paths (directly, through `..`, through
 * symbolic links, through a directory swapped for a link after the check), Stator's own files
 * (SQLite database, audit log, event log), modes (setuid, setgid, world-writable, above
 * filesystem.permissions), oversized and non-string paths, template values holding `/`. Each case
 * asserts the denial (or that only what was checked ran), that nothing protected came back, and
 * that nothing protected changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAccessDeniedError } from '../../../../src/errors/access-denied-error.js';
import { isPathOutsideBaseError } from '../../../../src/errors/path-outside-base-error.js';
import type { GuardedAccess } from '../../../../src/security/guard-access.js';
import { verifyAuditLog } from '../../../../src/security/verify-audit-log.js';
import { removeBase, startRig, tempBase, type SecuredRig } from '../fixture.js';

const SECRET = 'BOB-FILE-SECRET-5d1e';
const TRIES = 100;
type Who = 'alice' | 'ops' | 'admin' | 'slash';

interface Attack {
  readonly name: string;
  readonly who: Who;
  readonly expect?: 'denied' | 'checked';
  run(as: GuardedAccess): Promise<unknown>;
}

const ATTACKS: readonly Attack[] = [
  { name: "read another principal's file", who: 'alice', run: (as) => as.fs.readFile('home/bob/secret.txt', 'utf8') },
  {
    name: "overwrite another principal's file",
    who: 'alice',
    run: (as) => as.fs.writeFile('home/bob/secret.txt', 'overwritten'),
  },
  {
    name: "plant a file in another principal's directory",
    who: 'alice',
    run: (as) => as.fs.writeFile('home/bob/planted.txt', 'x'),
  },
  { name: "remove another principal's file", who: 'alice', run: (as) => as.fs.remove('home/bob/secret.txt') },
  { name: "list another principal's directory", who: 'alice', run: (as) => as.fs.list('home/bob') },
  { name: "stat another principal's file", who: 'alice', run: (as) => as.fs.stat('home/bob/secret.txt') },
  { name: "probe another principal's file", who: 'alice', run: (as) => as.fs.exists('home/bob/secret.txt') },
  { name: "mkdir in another principal's directory", who: 'alice', run: (as) => as.fs.mkdir('home/bob/sub') },
  { name: 'climb with ..', who: 'alice', run: (as) => as.fs.readFile('home/alice/../bob/secret.txt', 'utf8') },
  {
    name: 'a symbolic link to the other directory',
    who: 'alice',
    run: (as) => as.fs.readFile('home/alice/bobs/secret.txt', 'utf8'),
  },
  { name: 'a symbolic link to the database file', who: 'ops', run: (as) => as.fs.readFile('home/alice/db-link') },
  { name: 'escape the base', who: 'alice', run: (as) => as.fs.readFile('../../etc/passwd', 'utf8') },
  { name: 'percent-encoded escape', who: 'alice', run: (as) => as.fs.readFile('%2e%2e/%2e%2e/etc/passwd', 'utf8') },
  { name: 'a NUL byte', who: 'alice', run: (as) => as.fs.readFile('home/alice/a\0.txt', 'utf8') },
  {
    name: 'a setuid, setgid, world-writable file',
    who: 'alice',
    run: (as) => as.fs.writeFile('home/alice/suid', 'x', { mode: 0o6777 }),
  },
  { name: 'a world-writable file', who: 'alice', run: (as) => as.fs.writeFile('home/alice/ww', 'x', { mode: 0o666 }) },
  {
    name: 'an executable file above the permissions cap',
    who: 'alice',
    run: (as) => as.fs.writeFile('home/alice/exe', 'x', { mode: 0o755 }),
  },
  { name: 'a world-writable directory', who: 'alice', run: (as) => as.fs.mkdir('home/alice/open', { mode: 0o777 }) },
  { name: 'a setgid directory', who: 'alice', run: (as) => as.fs.mkdir('home/alice/sgid', { mode: 0o2755 }) },
  { name: 'read the SQLite database file', who: 'ops', run: (as) => as.fs.readFile('stator.sqlite') },
  { name: "read the SQLite database's WAL", who: 'ops', run: (as) => as.fs.readFile('stator.sqlite-wal') },
  { name: 'overwrite the SQLite database file', who: 'admin', run: (as) => as.fs.writeFile('stator.sqlite', 'gone') },
  { name: 'remove the SQLite database file', who: 'admin', run: (as) => as.fs.remove('stator.sqlite') },
  { name: 'read the audit log', who: 'ops', run: (as) => as.fs.readFile('logs/audit.jsonl', 'utf8') },
  { name: 'rewrite the audit log', who: 'admin', run: (as) => as.fs.writeFile('logs/audit.jsonl', '') },
  {
    name: "read the audit log's head anchor",
    who: 'ops',
    run: (as) => as.fs.readFile('logs/audit.jsonl.head', 'utf8'),
  },
  {
    name: 'remove the directory holding the audit log',
    who: 'admin',
    run: (as) => as.fs.remove('logs', { recursive: true }),
  },
  { name: 'read the event log', who: 'ops', run: (as) => as.fs.readFile('logs/events.jsonl', 'utf8') },
  { name: 'a 64k-character path', who: 'alice', run: (as) => as.fs.readFile(`home/alice/${'a'.repeat(64_000)}`) },
  { name: 'a path that is not a string', who: 'alice', run: (as) => as.fs.readFile(7 as unknown as string) },
  {
    name: 'a principal id holding a slash',
    who: 'slash',
    run: (as) => as.fs.readFile('home/x/../bob/secret.txt', 'utf8'),
  },
  {
    name: 'a principal id holding a slash, written plainly',
    who: 'slash',
    run: (as) => as.fs.readFile('home/bob/secret.txt', 'utf8'),
  },
  {
    name: 'glob home/alice* does not reach home/alicebob',
    who: 'ops',
    expect: 'checked',
    run: (as) => as.fs.list('home'),
  },
];

const isDenied = (e: unknown): boolean => isAccessDeniedError(e) || isPathOutsideBaseError(e);
const hash = (path: string): string =>
  existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'missing';

describe('filesystem attacks', () => {
  let rig: SecuredRig;
  let base: string;
  const who = {} as Record<Who, GuardedAccess>;

  const snapshot = (): unknown => ({
    bob: readdirSync(join(base, 'home', 'bob')).sort(),
    secret: readFileSync(join(base, 'home', 'bob', 'secret.txt'), 'utf8'),
    db: hash(join(base, 'stator.sqlite')),
    events: hash(join(base, 'logs', 'events.jsonl')),
    alice: readdirSync(join(base, 'home', 'alice')).sort(),
  });

  beforeAll(async () => {
    base = await tempBase('fsatk');
    rig = await startRig({
      filesystem: { base_path: base, required_dirs: ['logs', 'home'], permissions: 0o755 },
      cache: { driver: 'memory' },
      database: { driver: 'sqlite' },
      events: { path: 'logs/events.jsonl' },
      security: {
        roles: {
          own: { permissions: ['fs:*:home/${principal.id}/**'] },
          ops: { permissions: ['fs:read:**'] },
          admin: { permissions: ['fs:*:**'] },
        },
      },
    });
    await rig.db.knex.schema.createTable('t', (t) => t.increments());
    await mkdir(join(base, 'home', 'bob'), { recursive: true });
    await mkdir(join(base, 'home', 'alice', 'd'), { recursive: true });
    await writeFile(join(base, 'home', 'bob', 'secret.txt'), SECRET);
    await writeFile(join(base, 'home', 'alice', 'd', 'f.txt'), 'alice own');
    await writeFile(join(base, 'logs', 'events.jsonl'), '{"event":"x"}\n');
    await symlink(join(base, 'home', 'bob'), join(base, 'home', 'alice', 'bobs'));
    await symlink(join(base, 'stator.sqlite'), join(base, 'home', 'alice', 'db-link'));
    who.alice = rig.as({ id: 'alice', roles: ['own'], attributes: {} });
    who.ops = rig.as({ id: 'ops', roles: ['ops'], attributes: {} });
    who.admin = rig.as({ id: 'admin', roles: ['admin'], attributes: {} });
    who.slash = rig.as({ id: 'x/..', roles: ['own'], attributes: {} });
    await who.alice.fs.list('home/alice'); // the audit log exists from here on
    await rig.security.audit.drain();
  });

  afterAll(async () => {
    await rig?.stop();
    await removeBase(base);
  });

  it.each(ATTACKS.map((a) => [a.name, a] as const))('%s', async (_name, attack) => {
    const before = snapshot();
    const auditBefore = readFileSync(join(base, 'logs', 'audit.jsonl'), 'utf8');
    const outcome = await attack.run(who[attack.who]).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ((attack.expect ?? 'denied') === 'denied') {
      expect(
        'error' in outcome && isDenied(outcome.error),
        `expected a denial, got ${'value' in outcome ? String(outcome.value) : String(outcome.error)}`,
      ).toBe(true);
    }
    const shown = 'value' in outcome ? String(outcome.value) : String((outcome.error as Error)?.message);
    expect(shown).not.toContain(SECRET);
    expect(snapshot()).toEqual(before);
    await rig.security.audit.drain();
    const auditAfter = readFileSync(join(base, 'logs', 'audit.jsonl'), 'utf8');
    expect(auditAfter.startsWith(auditBefore)).toBe(true);
    for (const f of ['suid', 'ww', 'exe', 'open', 'sgid'])
      expect(existsSync(join(base, 'home', 'alice', f))).toBe(false);
  });

  it('a directory swapped for a symbolic link after the check never lends the other directory (reads and writes, 100 tries each)', async () => {
    // Another process swaps home/alice/d between the real directory and a link to home/bob.
    const script = `
      const fs = require('fs'); const d = ${JSON.stringify(join(base, 'home', 'alice', 'd'))};
      const real = d + '.real', bob = ${JSON.stringify(join(base, 'home', 'bob'))};
      for (;;) { try { fs.renameSync(d, real); fs.symlinkSync(bob, d); fs.unlinkSync(d); fs.renameSync(real, d); } catch {} }`;
    const swapper: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    let leaked = 0;
    let ran = 0;
    try {
      for (let i = 0; i < TRIES; i++) {
        const read = await who.alice.fs.readFile('home/alice/d/secret.txt', 'utf8').then(
          (v) => v,
          () => undefined,
        );
        if (read !== undefined) ran++;
        if (read?.includes(SECRET)) leaked++;
        await who.alice.fs.writeFile(`home/alice/d/w${i}.txt`, 'alice').catch(() => undefined);
      }
    } finally {
      const exited = new Promise((r) => swapper.once('exit', r));
      swapper.kill('SIGKILL'); // its loop never yields, so it could not run a SIGTERM handler
      await exited;
      const d = join(base, 'home', 'alice', 'd');
      if (existsSync(`${d}.real`)) {
        await rm(d, { force: true });
        await rename(`${d}.real`, d);
      }
    }
    expect(leaked).toBe(0);
    expect(ran).toBe(0); // home/alice/d/secret.txt exists only in bob's directory
    expect(
      readdirSync(join(base, 'home', 'bob')).filter((n) => n.startsWith('w') || n.startsWith('.stator-tmp')),
    ).toEqual([]);
    expect(readFileSync(join(base, 'home', 'bob', 'secret.txt'), 'utf8')).toBe(SECRET);
  });

  it('lets a principal use its own files with modes inside the cap, and audits stay verifiable', async () => {
    await who.alice.fs.writeFile('home/alice/ok.txt', 'fine', { mode: 0o640 });
    expect(statSync(join(base, 'home', 'alice', 'ok.txt')).mode & 0o7777).toBe(0o640);
    await who.alice.fs.mkdir('home/alice/sub', { mode: 0o750 });
    expect(await who.alice.fs.list('home/alice/sub')).toEqual([]);
    expect((await verifyAuditLog(join(base, 'logs', 'audit.jsonl'))).ok).toBe(true);
  });
});
