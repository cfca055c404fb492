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
}
