import type { Knex } from 'knex';
import type { AuditEntry } from './audit-entry.js';
import type { AuditMirror } from './audit-log.js';

/**
 * Copies audit entries into a database table (`security.audit.mirror_table`), for querying and
 * as a second copy to compare the file's head with: columns `seq` (primary key), `time`, `who`,
 * `action`, `resource`, `decision`, `reason`, `prev_hash`, `hash`. Created if missing.
 */
export class KnexAuditMirror implements AuditMirror {
  private ready: Promise<void> | undefined;

  public constructor(
    private readonly knex: Knex,
    private readonly table: string,
  ) {}

  public async write(entries: readonly AuditEntry[]): Promise<void> {
    await this.ensureTable();
    await this.knex(this.table)
      .insert(
        entries.map((e) => ({
          seq: e.seq,
          time: e.time,
          who: e.who,
          action: e.action,
          resource: e.resource,
          decision: e.decision,
          reason: e.reason,
          prev_hash: e.prevHash,
          hash: e.hash,
        })),
      )
      .onConflict('seq')
      .ignore();
  }

  private ensureTable(): Promise<void> {
    this.ready ??= (async () => {
      if (await this.knex.schema.hasTable(this.table)) return;
      await this.knex.schema.createTable(this.table, (t) => {
        t.bigInteger('seq').primary();
        t.string('time', 40).notNullable();
        t.string('who', 200).notNullable();
        t.string('action', 100).notNullable();
        t.text('resource').notNullable();
        t.string('decision', 10).notNullable();
        t.text('reason').notNullable();
        t.string('prev_hash', 64).notNullable();
        t.string('hash', 64).notNullable();
      });
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }
}
