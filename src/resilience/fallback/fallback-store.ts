/**
 * Where the `cache` fallback strategy keeps the last good value of each read. The runtime wires
 * it to the cache layer; without one the `cache` strategy is skipped.
 *
 * Implementations must not throw for a missing key (return `undefined`), and should keep their
 * own time to live; a failing store only makes the strategy skip.
 */
export interface FallbackStore {
  /** The stored value, wrapped so that a stored `undefined`/`null` is told apart from a miss. */
  get(key: string): Promise<{ value: unknown } | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

/** Which source answered a {@link Pipeline.read}. */
export type ServedSource = 'primary' | 'cache' | 'local' | 'default';

/**
 * The answer of a read through the pipeline: the value and where it came from, so the caller
 * can tell a fresh value from a stale one.
 */
export interface Served<T> {
  readonly value: T;
  /** `primary` when the resource answered; otherwise the fallback strategy that did. */
  readonly source: ServedSource;
  /** True when the value did not come from the resource just now. */
  readonly stale: boolean;
  /** Why the primary did not answer (only when a fallback served). */
  readonly error?: Error;
}
