import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Stator } from '../../../../src/runtime/stator.js';

/** One call the load made, as the caller saw it. */
export interface Outcome {
  readonly kind: 'transfer' | 'cache';
  readonly clientId?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** How long the call was allowed to take, by its own settings (ms). */
  readonly deadlineMs: number;
  readonly ok: boolean;
  readonly code?: string;
}

/** What the load is run with (seconds, as in the configuration). */
export interface LoadSettings {
  readonly workers: number;
  readonly accounts: number;
  /** transaction.timeout, commit_timeout and retry_max_delay. */
  readonly transactionTimeout: number;
  readonly commitTimeout: number;
  readonly retryMaxDelay: number;
  readonly cacheTimeout: number;
  /** Table names are prefixed with it (the database is the test's own or shared). */
  readonly prefix: string;
  /** What each worker does in turn, repeated: `t` a transfer, `c` a cache call (default `ttc`). */
  readonly pattern?: string;
  /**
   * A file the outcomes are appended to (one JSON line each) instead of being kept in
   * {@link TransferLoad.outcomes}: for long runs (the soak), so that the heap measured is Stator's
   * and not a growing list of outcomes. Only successes per 100 ms and the overdue calls stay in memory.
   */
  readonly journal?: string;
}

const BUCKET_MS = 100;

const INITIAL = 1000;
const isOverdue = (o: Outcome): boolean => o.endedAt - o.startedAt > o.deadlineMs + 1000;
/** The error's code; for an error without one, its name and the start of its message (what caused it). */
const codeOf = (error: unknown): string => {
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (code !== undefined) return String(code);
  return `${String(name ?? 'error')}: ${String(message ?? '').slice(0, 80)}`;
};
const attemptsOf = (value: unknown): number => {
  const a = (value as { attempts?: unknown } | null)?.attempts;
  return typeof a === 'number' && a > 0 ? a : 1;
};

/**
 * Concurrent transfers between accounts (each writes two ledger rows with its client id, with no
 * UNIQUE constraint, so a doubled write shows) and cache calls, for as long as it runs; afterwards
 * {@link TransferLoad.verify} checks what was acknowledged against what is stored.
 */
export class TransferLoad {
  /** Every outcome, in the order the calls ended (empty with a {@link LoadSettings.journal}). */
  public readonly outcomes: Outcome[] = [];
  private readonly journal: WriteStream | undefined;
  /** With a journal: successful calls per kind per 100 ms bucket, and the overdue calls. */
  private readonly okBuckets = { transfer: new Map<number, number>(), cache: new Map<number, number>() };
  private readonly overdueKept: Outcome[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly accounts: string;
  private readonly ledger: string;

  public constructor(
    private readonly stator: Stator,
    private readonly settings: LoadSettings,
  ) {
    this.accounts = `${settings.prefix}accounts`;
    this.ledger = `${settings.prefix}ledger`;
    this.journal = settings.journal === undefined ? undefined : createWriteStream(settings.journal, { flags: 'a' });
  }

  public async setup(): Promise<void> {
    const { knex } = this.stator.db;
    await knex.schema.dropTableIfExists(this.ledger);
    await knex.schema.dropTableIfExists(this.accounts);
    await knex.schema.createTable(this.accounts, (t) => {
      t.integer('id').primary();
      t.bigInteger('balance').notNullable();
    });
    await knex.schema.createTable(this.ledger, (t) => {
      t.increments('id');
      t.string('client_id', 64).notNullable(); // deliberately not UNIQUE
      t.integer('account').notNullable();
      t.integer('amount').notNullable();
    });
    await knex(this.accounts).insert(
      Array.from({ length: this.settings.accounts }, (_, id) => ({ id, balance: INITIAL })),
    );
  }

  public start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.settings.workers }, (_, i) => this.loop(i));
  }

  public async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    const journal = this.journal;
    if (journal && !journal.writableEnded) await new Promise<void>((resolve) => journal.end(resolve));
  }

  /** Calls that took longer than their deadline plus one second. */
  public overdue(): Outcome[] {
    if (this.journal) return [...this.overdueKept];
    return this.outcomes.filter(isOverdue);
  }

  /** Successful calls of `kind` per second that ended in [from, to) (to 100 ms with a journal). */
  public okRate(kind: Outcome['kind'], from: number, to: number): number {
    let n = 0;
    if (this.journal) {
      for (const [bucket, count] of this.okBuckets[kind]) {
        const at = bucket * BUCKET_MS;
        if (at >= from && at < to) n += count;
      }
    } else {
      n = this.outcomes.filter((o) => o.kind === kind && o.ok && o.endedAt >= from && o.endedAt < to).length;
    }
    return n / ((to - from) / 1000);
  }

  public succeeded(kind: Outcome['kind'], since = 0): number {
    return this.outcomes.filter((o) => o.kind === kind && o.ok && o.startedAt >= since).length;
  }

  /** One transfer now, outside the load (for the recovery check). */
  public async transferOnce(): Promise<Outcome> {
    const outcome = await this.transfer(0);
    this.record(outcome);
    return outcome;
  }

  /** Ledger rows per acknowledged and unacknowledged client id, and the balances. */
  public async verify(): Promise<{
    lost: string[];
    doubled: string[];
    balancesIntact: boolean;
    acknowledged: number;
    failed: number;
  }> {
    const { knex } = this.stator.db;
    const rows = (await knex(this.ledger).select('client_id').count({ n: '*' }).groupBy('client_id')) as Array<{
      client_id: string;
      n: number | string;
    }>;
    const stored = new Map(rows.map((r) => [r.client_id, Number(r.n)]));
    const transfers = (await this.recorded()).filter((o) => o.kind === 'transfer' && o.clientId !== undefined);
    const acknowledged = transfers.filter((o) => o.ok);
    const lost = acknowledged.filter((o) => stored.get(o.clientId!) !== 2).map((o) => o.clientId!);
    // Any client id with more than one transfer's rows, acknowledged or not, was applied twice.
    const doubled = [...stored].filter(([, n]) => n > 2 || n % 2 !== 0).map(([id]) => id);
    const balances = (await knex(this.accounts).select('id', 'balance')) as Array<{
      id: number;
      balance: number | string;
    }>;
    const sums = (await knex(this.ledger).select('account').sum({ total: 'amount' }).groupBy('account')) as Array<{
      account: number;
      total: number | string;
    }>;
    const moved = new Map(sums.map((s) => [Number(s.account), Number(s.total)]));
    const balancesIntact =
      balances.length === this.settings.accounts &&
      balances.every((b) => Number(b.balance) === INITIAL + (moved.get(Number(b.id)) ?? 0)) &&
      balances.reduce((sum, b) => sum + Number(b.balance), 0) === INITIAL * this.settings.accounts;
    return {
      lost,
      doubled,
      balancesIntact,
      acknowledged: acknowledged.length,
      failed: transfers.length - acknowledged.length,
    };
  }

  private async loop(worker: number): Promise<void> {
    const pattern = this.settings.pattern ?? 'ttc';
    let n = worker;
    while (this.running) {
      const outcome =
        pattern[n++ % pattern.length] === 'c' ? await this.cacheCall(worker) : await this.transfer(worker);
      this.record(outcome);
      // A refused call returns at once: do not spin.
      await new Promise((r) => setTimeout(r, outcome.ok ? 2 : 20));
    }
  }

  private record(outcome: Outcome): void {
    const journal = this.journal;
    if (!journal) {
      this.outcomes.push(outcome);
      return;
    }
    journal.write(`${JSON.stringify(outcome)}\n`);
    if (isOverdue(outcome)) this.overdueKept.push(outcome);
    if (outcome.ok) {
      const buckets = this.okBuckets[outcome.kind];
      const bucket = Math.floor(outcome.endedAt / BUCKET_MS);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    }
  }

  /** Every outcome: the list in memory, or the journal read back (after {@link TransferLoad.stop}). */
  private async recorded(): Promise<Outcome[]> {
    const path = this.settings.journal;
    if (path === undefined) return this.outcomes;
    const all: Outcome[] = [];
    for await (const line of createInterface({ input: createReadStream(path) })) {
      if (line) all.push(JSON.parse(line) as Outcome);
    }
    return all;
  }

  private async transfer(worker: number): Promise<Outcome> {
    const s = this.settings;
    const clientId = randomUUID();
    const from = (worker * 7 + Math.floor(Math.random() * s.accounts)) % s.accounts;
    const to = (from + 1 + Math.floor(Math.random() * (s.accounts - 1))) % s.accounts;
    const amount = 1 + Math.floor(Math.random() * 9);
    const startedAt = Date.now();
    const perAttempt = (s.transactionTimeout + s.commitTimeout) * 1000;
    try {
      const result = await this.stator.db.transaction(async (trx) => {
        await trx(this.ledger).insert([
          { client_id: clientId, account: from, amount: -amount },
          { client_id: clientId, account: to, amount },
        ]);
        await trx(this.accounts).where({ id: from }).decrement('balance', amount);
        await trx(this.accounts).where({ id: to }).increment('balance', amount);
      });
      const a = attemptsOf(result);
      return {
        kind: 'transfer',
        clientId,
        startedAt,
        endedAt: Date.now(),
        deadlineMs: a * perAttempt + (a - 1) * s.retryMaxDelay * 1000,
        ok: true,
      };
    } catch (error) {
      const a = attemptsOf(error);
      return {
        kind: 'transfer',
        clientId,
        startedAt,
        endedAt: Date.now(),
        deadlineMs: a * perAttempt + (a - 1) * s.retryMaxDelay * 1000,
        ok: false,
        code: codeOf(error),
      };
    }
  }

  private async cacheCall(worker: number): Promise<Outcome> {
    const startedAt = Date.now();
    const key = `${this.settings.prefix}k${worker}`;
    try {
      await this.stator.cache.set(key, { at: startedAt });
      await this.stator.cache.get(key);
      return {
        kind: 'cache',
        startedAt,
        endedAt: Date.now(),
        deadlineMs: 2 * this.settings.cacheTimeout * 1000,
        ok: true,
      };
    } catch (error) {
      return {
        kind: 'cache',
        startedAt,
        endedAt: Date.now(),
        deadlineMs: 2 * this.settings.cacheTimeout * 1000,
        ok: false,
        code: codeOf(error),
      };
    }
  }
}
