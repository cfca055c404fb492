/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The outcome of {@link interpolate} on one string. */
export interface Interpolated {
  /** The text with every reference replaced (references that failed are left as written). */
  readonly value: string;
  /** True when the text held at least one reference. */
  readonly replaced: boolean;
  /** Variables referenced without a default and not set. */
  readonly missing: readonly string[];
  /** References that are not `${NAME}` / `${NAME:-default}` / `${NAME-default}`. */
  readonly malformed: readonly string[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{[^}]*$/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([\s\S]*))?$/;

/**
 * Replaces `${NAME}` with the variable's value; `${NAME:-default}` uses the default when the
 * variable is unset or empty, `${NAME-default}` only when it is unset. `$${` writes a literal
 * `${`. Anything else after `${` is reported as malformed.
 *
 * @example
 * ```ts
 * interpolate('${DB_HOST:-localhost}:${DB_PORT}', { DB_PORT: '5432' }).value; // 'localhost:5432'
 * ```
 */
export function interpolate(text: string, env: Environment): Interpolated {
  if (!text.includes('${')) return { value: text, replaced: false, missing: [], malformed: [] };
  const missing: string[] = [];
  const malformed: string[] = [];
  let replaced = false;
  const value = text.replace(REFERENCE, (whole: string, body: string | undefined) => {
    if (whole === '$${') return '${';
    replaced = true;
    const match = body === undefined ? null : BODY.exec(body.trim());
    if (!match) {
      malformed.push(whole);
      return whole;
    }
    const [, name = '', operator, fallback = ''] = match;
    const current = env[name];
    if (operator === ':-') return current === undefined || current === '' ? fallback : current;
    if (operator === '-') return current === undefined ? fallback : current;
    if (current === undefined) {
      missing.push(name);
      return whole;
    }
    return current;
  });
  return { value, replaced, missing, malformed };
}
