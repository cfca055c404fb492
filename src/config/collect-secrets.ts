import { isSecretKey, SecretRegistry } from '../logging/redact.js';

/**
 * Registers every string found under a secret key (`password`, `token`, `api_key`, ... at any
 * depth) in `registry`, so that the value is scrubbed wherever it shows up later, even inside a
 * driver's error message. `loadConfig` calls it for you when given `secrets`; call it yourself
 * for a configuration built another way.
 *
 * @returns the registry, for chaining.
 * @example
 * ```ts
 * const secrets = collectSecrets(config, new SecretRegistry());
 * secrets.scrub(`auth failed for ${config.database.password}`); // 'auth failed for [REDACTED]'
 * ```
 */
export function collectSecrets(value: unknown, registry: SecretRegistry = new SecretRegistry()): SecretRegistry {
  visit(value, false, registry, new Set());
  return registry;
}

function visit(value: unknown, secret: boolean, registry: SecretRegistry, seen: Set<object>): void {
  if (typeof value === 'string') {
    if (secret) registry.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) visit(item, secret, registry, seen);
    return;
  }
  for (const [key, child] of Object.entries(value)) visit(child, secret || isSecretKey(key), registry, seen);
}
