import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runNode, untilStatus, waitForOutput } from './support/stator-process.js';

// Stator's endpoints answer under /_stator, the handler's default prefix. A service embedding the built Stator on PostgreSQL (its own database), on a port of the
// runtime/CLI/HTTP range; SIGTERM arrives while requests stream in.
const PORT = 9471;
const BASE = `http://127.0.0.1:${PORT}`;
const DATABASE = 'stator_e2e_shutdown';
const HOLD_MS = 300;
const APP = resolve(import.meta.dirname, 'fixtures/shutdown-app.mjs');

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Sent {
  readonly id: number;
  /** Order of events seen by the test (sends, answers, readiness polls) on one counter. */
  readonly sentAt: number;
  readonly afterSigterm: boolean;
  answeredAt?: number;
  status?: number | 'connection-refused';
}

describe('graceful shutdown of a service embedding Stator', () => {
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    await admin(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin(`CREATE DATABASE ${DATABASE}`);
    dir = mkdtempSync(join(tmpdir(), 'stator-e2e-shutdown-'));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${DATABASE}`);
  });

  it('fails readiness first, finishes in-flight transactions, refuses new ones, loses nothing, exits 0', async () => {
    const config = join(dir, 'stator.yaml');
    writeFileSync(
      config,
      [
        'cache: { driver: memory }',
        'database: { driver: postgresql, host: 127.0.0.1, port: 5432, database: ' + DATABASE + ', username: postgres }',
        `filesystem: { base_path: ${join(dir, 'var')} }`,
        'http: { enabled: false }',
        'shutdown: { drain_delay: 1, drain_timeout: 20 }',
      ].join('\n'),
    );
    const app = runNode(dir, APP, [config, String(PORT), String(HOLD_MS)]);
    try {
      await waitForOutput(app, /listening/);
      await untilStatus(`${BASE}/_stator/ready`, 200);

      let clock = 0;
      let sigtermAt = Number.POSITIVE_INFINITY;
      let firstNotReadyAt = Number.POSITIVE_INFINITY;
      const sent: Sent[] = [];
      const answers: Promise<void>[] = [];
      const exited = (): boolean => app.child.exitCode !== null;

      const readinessPoll = (async () => {
        while (!exited()) {
          const r = await fetch(`${BASE}/_stator/ready`).catch(() => undefined);
          await r?.arrayBuffer();
          if (r?.status === 503 && firstNotReadyAt === Number.POSITIVE_INFINITY) firstNotReadyAt = ++clock;
          await new Promise((done) => setTimeout(done, 10));
        }
      })();

      for (let id = 1; !exited(); id++) {
        const s: Sent = { id, sentAt: ++clock, afterSigterm: clock > sigtermAt };
        sent.push(s);
        answers.push(
          fetch(`${BASE}/work?id=${id}`).then(
            async (r) => {
              await r.arrayBuffer();
              s.status = r.status;
              s.answeredAt = ++clock;
            },
            () => {
              s.status = 'connection-refused';
            },
          ),
        );
        if (id === 12) {
          app.child.kill('SIGTERM');
          sigtermAt = ++clock;
        }
        await new Promise((done) => setTimeout(done, 25));
      }
      const code = await app.exit;
      await Promise.all(answers);
      await readinessPoll;

      expect(app.stdout).toMatch(/shutdown \{"drained":true,"clean":true/);
      expect(code).toBe(0);

      // Every request sent before SIGTERM was in flight or done: all committed.
      const before = sent.filter((s) => !s.afterSigterm);
      expect(before.map((s) => s.status)).toEqual(before.map(() => 200));
      // Readiness failed before any transaction was refused, and requests that came in between
      // (during the drain delay) were still served.
      const refused = sent.filter((s) => s.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      const firstRefusedAt = Math.min(...refused.map((s) => s.answeredAt ?? Number.POSITIVE_INFINITY));
      expect(firstNotReadyAt).toBeLessThan(firstRefusedAt);
      expect(sent.some((s) => s.sentAt > firstNotReadyAt && s.status === 200)).toBe(true);
      // Nothing answered with an error other than the refusal.
      expect(sent.filter((s) => s.status !== 200 && s.status !== 503 && s.status !== 'connection-refused')).toEqual([]);

      // Nothing lost: exactly the acknowledged requests are in the database.
      const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: DATABASE });
      await client.connect();
      const rows = await client.query<{ id: number }>('SELECT id FROM work ORDER BY id');
      await client.end();
      const committed = sent
        .filter((s) => s.status === 200)
        .map((s) => s.id)
        .sort((a, b) => a - b);
      expect(rows.rows.map((r) => r.id)).toEqual(committed);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });
});
