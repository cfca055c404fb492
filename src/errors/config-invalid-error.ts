import { StatorError } from './stator-error.js';

/**
 * One thing wrong with a configuration: where (`path`, dotted, with `[i]` for list items) and
 * what (`message`, which says what was expected and what was found, secrets shown as
 * `[REDACTED]`).
 */
export interface ConfigProblem {
  /** Dotted path of the key, e.g. `database.port` or `cache.cluster.nodes[0].host`; `''` for the file itself. */
  readonly path: string;
  /** What is wrong and what is expected, e.g. `expected an integer from 1 to 65535, got "abc"`. */
  readonly message: string;
  /** 1-based line in the YAML file, for syntax errors. */
  readonly line?: number;
  /** 1-based column in the YAML file, for syntax errors. */
  readonly column?: number;
}

/** `path: message` (or just the message when the problem concerns the whole file). */
export const formatConfigProblem = (problem: ConfigProblem): string =>
  problem.path ? `${problem.path}: ${problem.message}` : problem.message;

/**
 * The configuration cannot be used. Thrown by `loadConfig` before anything connects, listing
 * every problem found, not only the first. No secret value is ever part of the message.
 *
 * @example
 * ```ts
 * try { loadConfig('stator.yaml'); }
 * catch (e) {
 *   if (isConfigInvalidError(e)) for (const p of e.problems) console.error(`${p.path}: ${p.message}`);
 * }
 * ```
 */
export class ConfigInvalidError extends StatorError {
  public readonly code = 'CONFIG_INVALID';
  public readonly isConfigInvalidError = true;

  public constructor(
    /** Where the configuration came from: a file path, or `configuration object`. */
    public readonly origin: string,
    /** Every problem found, in document order. */
    public readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `Invalid configuration (${origin}), ${count}:\n` +
        problems.map((p) => `  - ${formatConfigProblem(p)}`).join('\n') +
        '\nFix each key listed above; `stator check --config FILE` re-checks a file without starting anything.',
      options,
    );
  }
}

/** True for a {@link ConfigInvalidError}, across package copies. */
export const isConfigInvalidError = (e: unknown): e is ConfigInvalidError =>
  !!e && e instanceof Error && 'isConfigInvalidError' in e;
