import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type StatorConfig, type StatorConfigInput } from '../config/schema.js';
import { isSecretKey, type SecretRegistry } from '../logging/redact.js';

/**
 * The validated configuration from a YAML path, an object, or nothing (the embedded default),
 * with every value under a secret-looking key registered in `secrets`.
 */
export function resolveConfig(source: string | StatorConfigInput | undefined, secrets: SecretRegistry): StatorConfig {
  const data: unknown = typeof source === 'string' ? (parseYaml(readFileSync(source, 'utf8')) ?? {}) : (source ?? {});
  registerSecrets(data, secrets);
  return configSchema.parse(data);
}

function registerSecrets(value: unknown, secrets: SecretRegistry): void {
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && isSecretKey(key)) secrets.add(v);
    else registerSecrets(v, secrets);
  }
}
