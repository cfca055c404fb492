import type { Principal } from './principal.js';

/** A principal with what authenticating it needs. */
export interface PrincipalRecord extends Principal {
  /** scrypt hash from `hashPassword()`; without it, no password login. */
  readonly passwordHash?: string;
  /** `sha256:` hashes of its API keys. */
  readonly keyHashes: readonly string[];
  readonly disabled: boolean;
}

/** Where principals are looked up by id. */
export interface PrincipalStore {
  find(id: string): Promise<PrincipalRecord | undefined>;
  /**
   * The record {@link find} would give, when the store holds it in memory; `undefined` when it
   * does not hold it or cannot tell synchronously (then ask {@link find}).
   */
  findNow?(id: string): PrincipalRecord | undefined;
}

/** Looks principals up in each store in turn; the first that knows the id answers. */
export class LayeredPrincipalStore implements PrincipalStore {
  public constructor(private readonly stores: readonly PrincipalStore[]) {}

  public async find(id: string): Promise<PrincipalRecord | undefined> {
    for (const store of this.stores) {
      const found = await store.find(id);
      if (found) return found;
    }
    return undefined;
  }

  /** The first store's record, when it holds it in memory (it answers first; the others are asked only after it). */
  public findNow(id: string): PrincipalRecord | undefined {
    return this.stores[0]?.findNow?.(id);
  }
}
