import winston from 'winston';
import { defaultSecrets, type SecretRegistry } from './redact.js';

type Info = winston.Logform.TransformableInfo;

/**
 * A winston format that builds a clean copy of each entry with every secret scrubbed: secret keys
 * masked at any depth, registered secret values and URL credentials replaced in the message, the
 * metadata, error messages, stacks and causes. Errors logged directly (`logger.error(err)`) keep
 * their message and stack. The copy matters: winston may hand over the caller's Error object
 * itself, which must not be modified.
 */
export const scrubFormat = winston.format((info: Info, options?: unknown) => {
  const secrets = (options as { secrets?: SecretRegistry } | undefined)?.secrets ?? defaultSecrets;
  const source = info as Info & Record<string, unknown>;
  const out: Record<string | symbol, unknown> = {};
  for (const symbol of Object.getOwnPropertySymbols(info))
    out[symbol] = secrets.redact(source[symbol as unknown as string]);
  for (const [key, value] of Object.entries(source)) {
    if (key === 'level' || key === 'message') continue;
    out[key] = secrets.redact({ [key]: value })[key];
  }
  const message = info.message ?? (info instanceof Error ? info.message : undefined);
  out.message = typeof message === 'string' ? secrets.scrub(message) : secrets.redact(message);
  if (info instanceof Error && info.stack && out.stack === undefined) out.stack = secrets.scrub(info.stack);
  if (info instanceof Error && info.cause !== undefined && out.cause === undefined)
    out.cause = secrets.redact(info.cause);
  out.level = info.level;
  return out as Info;
});
