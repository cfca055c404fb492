import type { CacheSerializer } from './types.js';

/**
 * The property that marks an encoded special value (`{"$stator":"Date","v":"2024-..."}`). A
 * user object that itself has this property is escaped, so it round-trips unchanged.
 */
const MARK = '$stator';

/** Plain JSON: nothing to revive. */
const PLAIN = 'j';
/** JSON with encoded special values: revive on the way back. */
const TAGGED = 'J';

/**
 * The default {@link CacheSerializer}: JSON that round-trips `Date`, `Buffer` (and other
 * `Uint8Array`s, returned as `Buffer`), `BigInt`, `Map` and `Set`. Output starts with one
 * marker character so that the common case (plain data) is read back by a bare `JSON.parse`,
 * without a reviver.
 *
 * @example
 * ```ts
 * const text = jsonSerializer.serialize({ at: new Date(0), bytes: Buffer.from('hi') });
 * jsonSerializer.deserialize(text); // { at: Date(0), bytes: <Buffer 68 69> }
 * ```
 */
export const jsonSerializer: CacheSerializer = {
  serialize(value: unknown): string {
    if (value === undefined) throw new TypeError('undefined cannot be stored');
    if (typeof value === 'function' || typeof value === 'symbol')
      throw new TypeError(`a ${typeof value} cannot be stored`);
    // Plain data (the common case) skips the replacer: a replacer call per property costs more
    // than this walk.
    if (isPlain(value, 0)) return PLAIN + JSON.stringify(value);
    let special = false;
    const text = JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, current: unknown) {
      const original = this[key];
      if (original instanceof Date) {
        special = true;
        return { [MARK]: 'Date', v: Number.isNaN(original.getTime()) ? null : original.toISOString() };
      }
      if (typeof current !== 'object' || current === null) {
        if (typeof current === 'bigint') {
          special = true;
          return { [MARK]: 'BigInt', v: current.toString() };
        }
        return current;
      }
      if (original instanceof Uint8Array) {
        special = true;
        return {
          [MARK]: 'Buffer',
          v: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64'),
        };
      }
      if (current instanceof Map) {
        special = true;
        return { [MARK]: 'Map', v: [...current.entries()] };
      }
      if (current instanceof Set) {
        special = true;
        return { [MARK]: 'Set', v: [...current.values()] };
      }
      if (!Array.isArray(current) && Object.prototype.hasOwnProperty.call(current, MARK)) {
        // A user object with our marker property: stored as its entries, so that the reviver
        // (which works bottom-up) never mistakes it for an encoded value.
        special = true;
        return { [MARK]: 'Object', v: Object.entries(current) };
      }
      return current;
    });
    if (text === undefined) throw new TypeError('the value has no JSON representation');
    return (special ? TAGGED : PLAIN) + text;
  },

  deserialize(text: string): unknown {
    const marker = text.charCodeAt(0);
    if (marker === 106 /* j */) return JSON.parse(text.slice(1));
    if (marker === 74 /* J */) return JSON.parse(text.slice(1), reviver);
    throw new TypeError('not written by the JSON cache serializer');
  },
};

/**
 * The bare JSON of `value` when it is plain data (what {@link jsonSerializer} writes after its
 * `j` marker), or undefined when it needs the tagged encoding or cannot be stored: for the
 * cache's hot path, which writes the envelope's and the serializer's markers in one piece.
 */
export function plainJsonText(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  return isPlain(value, 0) ? JSON.stringify(value) : undefined;
}

/** Deepest plain structure walked before the replacer takes over (it also reports cycles). */
const MAX_PLAIN_DEPTH = 32;

/**
 * True when bare JSON.stringify represents `value` exactly as the tagged encoding would: only
 * strings, finite-or-not numbers, booleans, null, arrays and plain objects without our marker
 * property or a toJSON of their own.
 */
function isPlain(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (depth > MAX_PLAIN_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainMember(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return false;
  // for...in visits every own enumerable key (a plain object inherits none): the marker is
  // caught here, with no lookup of its own.
  for (const key in record) {
    if (key === MARK || !isPlainMember(record[key], depth + 1)) return false;
  }
  return true;
}

/**
 * {@link isPlain} of an array item or a property value, with no call for a string, number or
 * boolean (most of them): the walk's cost is mostly its calls.
 */
function isPlainMember(value: unknown, depth: number): boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || isPlain(value, depth);
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const kind = record[MARK];
  if (typeof kind !== 'string' || !('v' in record)) return value;
  const v = record.v;
  switch (kind) {
    case 'Date':
      return new Date(v === null ? Number.NaN : (v as string));
    case 'Buffer':
      return Buffer.from(v as string, 'base64');
    case 'BigInt':
      return BigInt(v as string);
    case 'Map':
      return new Map(v as Array<[unknown, unknown]>);
    case 'Set':
      return new Set(v as unknown[]);
    case 'Object':
      return Object.fromEntries(v as Array<[string, unknown]>);
    default:
      return value;
  }
}
