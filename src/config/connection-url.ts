import type { z } from 'zod';
/** One `host[:port]` of a connection URL. */
export interface UrlHost {
  readonly host: string;
  readonly port?: number;
}

/** A connection URL taken apart; user name, password and path are percent-decoded. */
export interface ConnectionUrl {
  /** Lower case, without the colon: `postgres`, `rediss`, `redis+sentinel`, `memcached`. */
  readonly scheme: string;
  readonly username?: string;
  readonly password?: string;
  /** Every host, in order (`memcached://a:11211,b:11211`); empty for `sqlite:` / `file:`. */
  readonly hosts: readonly UrlHost[];
  /** The path without its leading `/` (`app` in `postgres://h/app`); for `sqlite:x.db`, `x.db`. */
  readonly path: string;
  readonly params: URLSearchParams;
}

/**
 * A URL that cannot be read. Its message says what is wrong without repeating the URL (which
 * may hold a password): `the port of host 2 is not a number from 1 to 65535`.
 */
export class UrlSyntaxProblem extends Error {}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const AUTHORITY = /^\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;
const OPAQUE = /^([^?#]*)(\?[^#]*)?(#.*)?$/;

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UrlSyntaxProblem(
      `the ${what} holds a "%" that does not start a valid percent-escape; write a literal "%" as %25`,
    );
  }
}

function parseHost(text: string, index: number, count: number): UrlHost {
  const which = count > 1 ? `host ${index + 1}` : 'the host';
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw new UrlSyntaxProblem(`${which} opens an IPv6 address with "[" but does not close it with "]"`);
    host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':'))
      throw new UrlSyntaxProblem(`${which} has text after its IPv6 address; write [address]:port`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === '') throw new UrlSyntaxProblem(`${which} is empty; write scheme://user:password@host:port/...`);
  if (/[\s@/\\]/.test(host))
    throw new UrlSyntaxProblem(
      `${which} contains a space, "@", "/" or "\\"; percent-encode such characters in the user name and password`,
    );
  if (portText === undefined || portText === '') return { host: decode(host, 'host') };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new UrlSyntaxProblem(`the port of ${which} is not a number from 1 to 65535`);
  return { host: decode(host, 'host'), port };
}

/**
 * Takes a connection URL apart: `scheme://[user[:password]@]host[:port][,host[:port]...][/path][?params]`,
 * or `scheme:path` for file databases (`sqlite:data/app.db`, `file:///srv/app.db`). Several
 * comma-separated hosts are allowed (WHATWG `URL` refuses them, and Memcached and Sentinel URLs
 * need them).
 *
 * @throws {UrlSyntaxProblem} saying what is wrong, never quoting the URL.
 * @example
 * ```ts
 * parseConnectionUrl('memcached://app:s3cret@mc1:11211,mc2:11211').hosts; // [{ host: 'mc1', port: 11211 }, { host: 'mc2', port: 11211 }]
 * ```
 */
export function parseConnectionUrl(text: string): ConnectionUrl {
  const trimmed = text.trim();
  const scheme = SCHEME.exec(trimmed);
  if (!scheme) throw new UrlSyntaxProblem('it does not start with a scheme such as postgres:// or redis://');
  const name = (scheme[1] as string).toLowerCase();
  const rest = trimmed.slice(scheme[0].length);
  const authority = AUTHORITY.exec(rest);
  if (!authority || name === 'sqlite' || name === 'file') {
    const opaque = OPAQUE.exec(rest) as RegExpExecArray;
    // `sqlite:///abs/path` and `file:///abs/path` carry an empty authority: drop it.
    const raw = (opaque[1] as string).replace(/^\/\/(?=\/)/, '');
    return { scheme: name, hosts: [], path: decode(raw, 'path'), params: new URLSearchParams(opaque[2] ?? '') };
  }
  const [, auth = '', pathPart = '', query = ''] = authority;
  const at = auth.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : auth.slice(0, at);
  const hostList = at < 0 ? auth : auth.slice(at + 1);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (user !== '') username = decode(user, 'user name');
    if (colon >= 0) password = decode(userinfo.slice(colon + 1), 'password');
  }
  const parts = hostList === '' ? [] : hostList.split(',');
  const hosts = parts.map((part, i) => parseHost(part, i, parts.length));
  return {
    scheme: name,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
    hosts,
    path: decode(pathPart.replace(/^\//, ''), 'path'),
    params: new URLSearchParams(query),
  };
}

/**
 * The password of `text` when it reads as a connection URL that holds one (percent-decoded),
 * for registering as a secret; undefined otherwise. Never throws.
 */
export function urlPassword(text: string): string | undefined {
  if (!text.includes('://') || !text.includes('@')) return undefined;
  try {
    return parseConnectionUrl(text).password;
  } catch {
    // A malformed URL: its raw password is what a message would show.
    return /:\/\/[^:@/]*:([^@/]+)@/.exec(text)?.[1];
  }
}

/**
 * `url` of a section read with `read`, or `{}` when it is absent or malformed; a malformed URL is
 * reported at the section's `url` key (naming what is wrong, never quoting it).
 */
export function readSectionUrl<F extends object>(
  url: string | undefined,
  example: string,
  ctx: z.RefinementCtx,
  read: (parsed: ConnectionUrl) => F,
): Partial<F> {
  if (url === undefined) return {};
  try {
    return read(parseConnectionUrl(url));
  } catch (error) {
    if (!(error instanceof UrlSyntaxProblem)) throw error;
    ctx.issues.push({
      code: 'custom',
      path: ['url'],
      input: url,
      message: `expected a URL like ${example}, but ${error.message}`,
    });
    return {};
  }
}
