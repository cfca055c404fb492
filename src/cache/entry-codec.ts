import { CacheValueNotSerializableError } from '../errors/cache-value-not-serializable-error.js';
import { CacheValueTooLargeError } from '../errors/cache-value-too-large-error.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../logging/logger.js';
import type { CacheMetrics } from './cache-metrics.js';
import { decodeEntry, encodeEntry, type DecodedEntry } from './envelope.js';
import { jsonSerializer, plainJsonText } from './json-serializer.js';
import type { CacheSerializer } from './types.js';

/** The markers of a plain entry ({@link encodeEntry}) of plain JSON ({@link jsonSerializer}). */
const PLAIN_JSON_ENTRY = '0j';

/**
 * Values to stored texts and back: the serializer inside the entry envelope (soft expiry,
 * negative entries), the driver's size limit, and the hit/miss count of each read. Bad values
 * fail with a typed error; an entry that cannot be read is a miss, logged.
 */
export class EntryCodec {
  /** True with the default serializer, whose plain entries the hot path reads directly. */
  private readonly plainJson: boolean;

  public constructor(
    private readonly serializer: CacheSerializer,
    private readonly maxValueBytes: number,
    private readonly metrics: CacheMetrics,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.plainJson = serializer === jsonSerializer;
  }

  /** The stored text of `value` (a plain entry), checked against the driver's size limit. */
  public encode(key: string, value: unknown): string {
    const json = this.plainJsonOf(key, value);
    // Plain data is a plain entry ("0") of plain JSON ("j"), both markers at once.
    return json !== undefined ? PLAIN_JSON_ENTRY + json : this.encodeTagged(key, value);
  }

  /**
   * The bare JSON of `value` when the default serializer writes it as plain JSON (its stored
   * text is `0j` + that JSON), checked against the size limit with the two markers; undefined
   * otherwise (then {@link EntryCodec.encodeTagged}).
   */
  public plainJsonOf(key: string, value: unknown): string | undefined {
    if (!this.plainJson) return undefined;
    const json = plainJsonText(value);
    if (json !== undefined) this.checkSize(key, json, PLAIN_JSON_ENTRY.length);
    return json;
  }

  /** {@link EntryCodec.encode} of a value {@link EntryCodec.plainJsonOf} did not take. */
  public encodeTagged(key: string, value: unknown): string {
    return this.checkSize(key, encodeEntry(this.serialize(key, value)));
  }

  /** The value of a plain entry's bare JSON (see {@link EntryCodec.plainJsonOf}); counts the hit. */
  public plainJsonValue<T>(key: string, json: string): T | undefined {
    try {
      const value = JSON.parse(json) as T;
      this.metrics.hits++;
      return value;
    } catch {
      return this.freshValue<T>(key, PLAIN_JSON_ENTRY + json);
    }
  }

  /** The value of a stored text when it is fresh and not negative; counts the hit or miss. */
  public freshValue<T>(key: string, text: string | null | undefined): T | undefined {
    // The hot path: a plain entry written by the default serializer is bare JSON after two
    // marker characters ("0j"), read with one JSON.parse and no intermediate object.
    if (this.plainJson && text != null && text.charCodeAt(0) === 48 && text.charCodeAt(1) === 106) {
      try {
        const value = JSON.parse(text.slice(2)) as T;
        this.metrics.hits++;
        return value;
      } catch {
        // Fall through to the general path, which logs and counts it.
      }
    }
    if (text != null) {
      const entry = decodeEntry(text);
      if (entry && !entry.negative && !this.isStale(entry)) {
        const decoded = this.deserialize(key, entry);
        if (decoded) {
          this.metrics.hits++;
          return decoded.value as T;
        }
      }
    }
    this.metrics.misses++;
    return undefined;
  }

  /** True once a stale-while-revalidate entry passed its soft expiry. */
  public isStale(entry: DecodedEntry): boolean {
    return entry.softExpiresAt !== undefined && this.clock.now() >= entry.softExpiresAt;
  }

  public serialize(key: string, value: unknown): string {
    try {
      return this.serializer.serialize(value);
    } catch (error) {
      this.metrics.error('invalid-input');
      throw new CacheValueNotSerializableError(key, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  /** The deserialized value, or undefined (logged, counted as a miss) when it cannot be read. */
  public deserialize(key: string, entry: DecodedEntry): { value: unknown } | undefined {
    try {
      return { value: this.serializer.deserialize(entry.payload) };
    } catch (error) {
      this.metrics.error('invalid-input');
      this.logger.warn(
        `cache: the entry of "${key}" cannot be read with the configured serializer; treated as a miss`,
        { error },
      );
      return undefined;
    }
  }

  /** `data` when it (with `extraBytes` of ASCII markers before it) fits the driver's size limit. */
  public checkSize(key: string, data: string, extraBytes = 0): string {
    const limit = this.maxValueBytes;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: skip the exact count when it cannot matter.
    if ((data.length + extraBytes) * 3 <= limit) return data;
    const bytes = Buffer.byteLength(data, 'utf8') + extraBytes;
    if (bytes > limit) {
      this.metrics.error('invalid-input');
      throw new CacheValueTooLargeError(key, bytes, limit);
    }
    return data;
  }
}
