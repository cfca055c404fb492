import type { Knex } from 'knex';
import type { Clock } from '../kernel/clock.js';

/**
 * Where revoked token ids (`jti`) are kept until the token would have expired anyway.
 * Checked on every token verification.
 */
export interface RevocationStore {
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  /**
   * {@link isRevoked} answered synchronously when the store can (it holds every revocation in
   * memory), else `undefined`: then ask {@link isRevoked}.
   */
  revokedNow?(jti: string): boolean | undefined;
}

/** Revocations in memory: fast, lost on restart, not shared between instances. */
export class MemoryRevocationStore implements RevocationStore {
  private readonly revoked = new Map<string, number>();

  public constructor(private readonly clock: Clock) {}

  public async revoke(jti: string, expiresAt: number): Promise<void> {
    this.revoked.set(jti, expiresAt);
    this.purge();
  }

  public async isRevoked(jti: string): Promise<boolean> {
    return this.revoked.has(jti);
  }

  public revokedNow(jti: string): boolean {
    return this.revoked.has(jti);
  }

  private purge(): void {
    const now = this.clock.now();
    for (const [jti, exp] of this.revoked) if (exp <= now) this.revoked.delete(jti);
  }
}

/**
 * Revocations in a database table (`jti` primary key, `expires_at` ms), shared by every instance
 * on the same database and kept across restarts. A revocation is remembered in memory as well, so
 * a revoked token is refused at once by this instance; other instances see it on their next
 * lookup, which queries the table for any token this instance does not know to be revoked.
 */
export class KnexRevocationStore implements RevocationStore {
  private readonly local: MemoryRevocationStore;
  private ready: Promise<void> | undefined;

  public constructor(
    private readonly knex: Knex,
    private readonly table: string,
    private readonly clock: Clock,
  ) {
    this.local = new MemoryRevocationStore(clock);
  }

  /** Creates the table if it does not exist. */
  public ensureTable(): Promise<void> {
    this.ready ??= (async () => {
      if (await this.knex.schema.hasTable(this.table)) return;
      await this.knex.schema.createTable(this.table, (t) => {
        t.string('jti', 64).primary();
        t.bigInteger('expires_at').notNullable();
      });
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  public async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.local.revoke(jti, expiresAt);
    await this.ensureTable();
    await this.knex(this.table).insert({ jti, expires_at: expiresAt }).onConflict('jti').ignore();
    await this.knex(this.table).where('expires_at', '<=', this.clock.now()).delete();
  }

  /** True when this instance revoked it; otherwise only the table can tell (`undefined`). */
  public revokedNow(jti: string): boolean | undefined {
    return this.local.revokedNow(jti) ? true : undefined;
  }

  public async isRevoked(jti: string): Promise<boolean> {
    if (await this.local.isRevoked(jti)) return true;
    await this.ensureTable();
    const row = await this.knex(this.table).where({ jti }).first('jti');
    return row !== undefined;
  }
}
