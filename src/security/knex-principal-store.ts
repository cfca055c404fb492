import type { Knex } from 'knex';
import type { AttributeValue } from './principal.js';
import type { PrincipalRecord, PrincipalStore } from './principal-store.js';

/** A row of the user store table. JSON columns hold arrays / objects as text. */
interface PrincipalRow {
  id: string;
  password_hash: string | null;
  key_hashes: string | null;
  roles: string | null;
  attributes: string | null;
  permissions: string | null;
  disabled: boolean | number | null;
}

/**
 * Principals from a database table (`security.user_store.table`, default `stator_principals`):
 * `id` (primary key), `password_hash`, and JSON text columns `key_hashes`, `roles`, `attributes`,
 * `permissions`, plus `disabled`. {@link KnexPrincipalStore.ensureTable} creates it;
 * {@link KnexPrincipalStore.put} writes a principal (an admin tool's job, shown for tests).
 * Looked up on every login and every token use, so that disabling a row takes effect at once.
 */
export class KnexPrincipalStore implements PrincipalStore {
  public constructor(
    private readonly knex: Knex,
    private readonly table: string,
  ) {}

  /** Creates the table if it does not exist. */
  public async ensureTable(): Promise<void> {
    if (await this.knex.schema.hasTable(this.table)) return;
    await this.knex.schema.createTable(this.table, (t) => {
      t.string('id', 200).primary();
      t.string('password_hash', 300).nullable();
      t.text('key_hashes').nullable();
      t.text('roles').nullable();
      t.text('attributes').nullable();
      t.text('permissions').nullable();
      t.boolean('disabled').notNullable().defaultTo(false);
    });
  }

  /** Inserts or replaces a principal. */
  public async put(
    record: Omit<PrincipalRecord, 'keyHashes' | 'disabled'> & Partial<Pick<PrincipalRecord, 'keyHashes' | 'disabled'>>,
  ): Promise<void> {
    const row: PrincipalRow = {
      id: record.id,
      password_hash: record.passwordHash ?? null,
      key_hashes: JSON.stringify(record.keyHashes ?? []),
      roles: JSON.stringify(record.roles),
      attributes: JSON.stringify(record.attributes),
      permissions: JSON.stringify(record.permissions ?? []),
      disabled: record.disabled ?? false,
    };
    await this.knex(this.table).insert(row).onConflict('id').merge();
  }

  public async find(id: string): Promise<PrincipalRecord | undefined> {
    const row = (await this.knex(this.table).where({ id }).first()) as PrincipalRow | undefined;
    if (!row) return undefined;
    const json = <T>(text: string | null, fallback: T): T => {
      if (!text) return fallback;
      try {
        return JSON.parse(text) as T;
      } catch {
        return fallback;
      }
    };
    return {
      id: row.id,
      roles: json<string[]>(row.roles, []),
      attributes: json<Record<string, AttributeValue>>(row.attributes, {}),
      permissions: json<string[]>(row.permissions, []),
      keyHashes: json<string[]>(row.key_hashes, []),
      disabled: Boolean(row.disabled),
      ...(row.password_hash ? { passwordHash: row.password_hash } : {}),
    };
  }
}
