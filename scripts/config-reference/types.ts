/** The documentation of one key: its meaning, and its default where the schema cannot say it. */
export interface KeyMeaning {
  /** What the key does, one line of Markdown. */
  readonly meaning: string;
  /**
   * The default as a reader should see it, when the schema has none of its own (it depends on
   * another key, or the key is required): `6379 / 11211`, `alert_hold`, `required`, `—`.
   */
  readonly default?: string;
}

/** The documentation of one top-level section of the configuration. */
export interface SectionMeanings {
  /** One line under the section's heading. */
  readonly intro: string;
  /** By key path relative to the section: `timeout`, `cluster.nodes[].host`, `rate_limit.<name>.min_time`. */
  readonly keys: Readonly<Record<string, KeyMeaning>>;
}
