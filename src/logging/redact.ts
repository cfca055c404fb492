/**
 * Keeps secrets out of everything Stator prints or stores: log lines, error messages, status
 * snapshots, event logs, the audit log.
 *
 * Two nets, because either alone leaks:
 * - by key: any property whose name looks secret (`password`, `token`, `api_key`, ...) is
 *   replaced by {@link REDACTED}, whatever its value;
 * - by shape: JSON Web Tokens (`eyJ….eyJ….…`) and credentials inside URLs are masked by pattern;
 * - by value: every secret value Stator has seen (config passwords, issued tokens) is registered
 *   in a {@link SecretRegistry}, and any string that contains one has it replaced, so a password
 *   echoed inside a driver's error message is caught too. Credentials inside URLs
 *   (`postgres://user:pw@host`) are masked by pattern.
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|api[_-]?key|authorization|credential|private[_-]?key|cookie/i;
/** Ends the user-info part of a URL: `/`, `@` or whitespace. */
const USERINFO_END = /[/@\s]/g;

/**
 * Masks the password of every `scheme://user:password@` in `text`, in one pass: each `://` is
 * found with indexOf and its user-info scanned once up to the first `/`, `@` or space, so the
 * work is linear in the length of the text whatever it holds (a regular expression with a
 * scheme prefix was quadratic on long inputs without `@`).
 */
export function maskUrlCredentials(text: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', from)) {
    const start = at + 3;
    USERINFO_END.lastIndex = start;
    const end = USERINFO_END.exec(text);
    const stop = end ? end.index : text.length;
    if (end && end[0] === '@') {
      const colon = text.indexOf(':', start);
      if (colon >= 0 && colon < stop && colon + 1 < stop) {
        out += `${text.slice(from, colon + 1)}${REDACTED}@`;
        from = stop + 1;
        continue;
      }
    }
    out += text.slice(from, stop);
    from = stop;
    if (stop === start) {
      out += text.slice(from, from + 1);
      from += 1;
    }
  }
  return out + text.slice(from);
}
/** A JSON Web Token (header.payload.signature, base64url, header and payload JSON objects). */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** True when a property with this name should never be shown. */
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) && !/_file$|File$/.test(key);

/** A set of known secret values, scrubbed from any string that passes through it. */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers a secret value. Values shorter than 4 characters are ignored (too many false hits). */
  public add(value: unknown): void {
    if (typeof value !== 'string' || value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    const escaped = [...this.values]
      .sort((a, b) => b.length - a.length)
      .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = new RegExp(escaped.join('|'), 'g');
  }

  /** How many secrets are registered: it only grows, so a text scrubbed at one count stays scrubbed until it changes. */
  public get count(): number {
    return this.values.size;
  }

  /** Replaces every registered secret and every URL credential in `text`. */
  public scrub(text: string): string {
    let out = text.includes('://') ? maskUrlCredentials(text) : text;
    // Issued tokens are too many to register one by one; their shape gives them away.
    if (out.includes('eyJ')) out = out.replace(JWT, REDACTED);
    if (this.pattern) out = out.replace(this.pattern, REDACTED);
    return out;
  }

  /** Deep copy of `value` with secret keys masked and every string scrubbed. */
  public redact<T>(value: T): T {
    return redactValue(value, this, new WeakMap()) as T;
  }
}

/** Registry used where no Stator instance is at hand; it only masks URL credentials and keys. */
export const defaultSecrets = new SecretRegistry();

function redactValue(value: unknown, secrets: SecretRegistry, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return secrets.scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: secrets.scrub(value.message) };
    seen.set(value, out);
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redactValue(v, secrets, seen);
    if (value.stack) out.stack = secrets.scrub(value.stack);
    if (value.cause !== undefined) out.cause = redactValue(value.cause, secrets, seen);
    return out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const v of value) out.push(redactValue(v, secrets, seen));
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, secrets, seen);
  }
  return out;
}
