import * as crypto from 'node:crypto';

/** SHA-256 or HMAC-SHA256 of a string (UTF-8) or of bytes, as lowercase hex. */
export type HexDigest = (data: string | Uint8Array) => string;

const BLOCK = 64;

/** `crypto.hash` (Node ≥ 20.12): a one-shot digest without a Hash object per call. */
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** SHA-256 of `data`, hex. */
export const sha256Hex: HexDigest = oneShot
  ? (data) => oneShot('sha256', data, 'hex')
  : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * HMAC-SHA256 (RFC 2104) under `key`, hex: the same digest as
 * `createHmac('sha256', key).update(data).digest('hex')`, built from two one-shot SHA-256 digests
 * over buffers padded with the key once, so that a digest allocates no Hmac object (it is the
 * cost of each audit entry). Falls back to `createHmac` where `crypto.hash` is missing.
 */
export function hmacSha256Hex(key: string): HexDigest {
  if (!oneShot) return (data) => crypto.createHmac('sha256', key).update(data).digest('hex');
  const hash = oneShot;
  let k = Buffer.from(key, 'utf8');
  if (k.length > BLOCK) k = hash('sha256', k, 'buffer');
  const padded = (byte: number): Buffer => {
    const b = Buffer.alloc(BLOCK, byte);
    for (let i = 0; i < k.length; i++) b[i] = (k[i] as number) ^ byte;
    return b;
  };
  let inner = Buffer.concat([padded(0x36), Buffer.alloc(1024)]);
  const outer = Buffer.concat([padded(0x5c), Buffer.alloc(32)]);
  return (data) => {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: make sure `data` fits whole.
    const room = typeof data === 'string' ? data.length * 3 : data.length;
    if (room > inner.length - BLOCK) inner = Buffer.concat([inner.subarray(0, BLOCK), Buffer.alloc(room)]);
    let n = data.length;
    if (typeof data === 'string') n = inner.write(data, BLOCK, 'utf8');
    else inner.set(data, BLOCK);
    // The inner digest as a binary (latin1) string, one char a byte: no Buffer allocated for it.
    outer.write(hash('sha256', inner.subarray(0, BLOCK + n), 'binary'), BLOCK, 'binary');
    return hash('sha256', outer, 'hex');
  };
}

const digests = new Map<string, HexDigest>();

/** {@link hmacSha256Hex} for `key`, prepared once per key (a process holds one or two). */
export function hmacFor(key: string): HexDigest {
  let digest = digests.get(key);
  if (!digest) {
    if (digests.size >= 16) digests.clear();
    digests.set(key, (digest = hmacSha256Hex(key)));
  }
  return digest;
}
