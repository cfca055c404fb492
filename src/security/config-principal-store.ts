import type { AttributeValue } from './principal.js';
import type { PrincipalRecord, PrincipalStore } from './principal-store.js';

/** `security.principals` as written in configuration. */
export interface ConfiguredPrincipal {
  readonly password_hash?: string | undefined;
  readonly key_hashes: readonly string[];
  readonly roles: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly permissions: readonly string[];
  readonly disabled: boolean;
}

/** Principals from `security.principals`. */
export class ConfigPrincipalStore implements PrincipalStore {
  private readonly records = new Map<string, PrincipalRecord>();

  public constructor(principals: Readonly<Record<string, ConfiguredPrincipal>>) {
    for (const [id, p] of Object.entries(principals)) {
      this.records.set(id, {
        id,
        roles: p.roles,
        attributes: p.attributes,
        permissions: p.permissions,
        keyHashes: p.key_hashes,
        disabled: p.disabled,
        ...(p.password_hash ? { passwordHash: p.password_hash } : {}),
      });
    }
  }

  public async find(id: string): Promise<PrincipalRecord | undefined> {
    return this.records.get(id);
  }

  public findNow(id: string): PrincipalRecord | undefined {
    return this.records.get(id);
  }
}
