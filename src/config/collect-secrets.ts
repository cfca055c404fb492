import { SecretRegistry } from '../logging/redact.js';
import { isSecretPath } from './config-path.js';
import { urlPassword } from './connection-url.js';

/**
 * Registers every string found under a secret key (`password`, `token`, `api_key`, ... at any
 * depth) or at a secret location (`monitoring.webhooks[].url`, `database.url`), and every
 * password inside a connection URL (`postgres://app:pw@db/app`), in `registry`, so that the value is scrubbed wherever it shows up later, even inside a
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
  visit(value, [], registry, new Set());
  return registry;
}

function visit(value: unknown, path: PropertyKey[], registry: SecretRegistry, seen: Set<object>): void {
  if (typeof value === 'string') {
    if (isSecretPath(path)) registry.add(value);
    // A password inside a connection URL is scrubbed alone too: drivers echo it without the URL.
    const password = urlPassword(value);
    if (password !== undefined) {
      registry.add(password);
      registry.add(encodeURIComponent(password));
    }
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => visit(item, [...path, i], registry, seen));
    return;
  }
  for (const [key, child] of Object.entries(value)) visit(child, [...path, key], registry, seen);
}
