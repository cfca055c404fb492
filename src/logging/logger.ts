import winston from 'winston';
import { defaultSecrets, type SecretRegistry } from './redact.js';
import { RotatingLogStream, type FileLogOptions } from './rotating-log-stream.js';
import { scrubFormat } from './scrub-format.js';

/** The logger every part of Stator writes to: winston underneath, secrets scrubbed on the way out. */
export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `debug`, `info`, `warn` or `error`. Default `info` (or `LOG_LEVEL`). */
  level?: string;
  /**
   * `json` (one JSON object a line, for production and log shippers) or `pretty` (readable on a
   * terminal). Default: `LOG_FORMAT` when set; else json when `NODE_ENV=production` or when the
   * stream is not a TTY; else pretty.
   */
  format?: 'json' | 'pretty';
  /** Secret values to scrub from every line. */
  secrets?: SecretRegistry;
  /** Where lines go. Default: stderr, so that stdout stays free for command output. */
  stream?: NodeJS.WritableStream;
  /**
   * Also write every entry, as JSON lines, to this file, rotated by size and age with a number of
   * old files kept: `{ path: 'var/logs/stator.log', rotation: { maxSize: 16 << 20, keep: 5 } }`.
   */
  file?: FileLogOptions;
  /**
   * Entries for which this returns false are not written: a command line that already shows
   * resource states in its own view leaves out the log lines that repeat them.
   */
  filter?: (entry: { readonly level: string; readonly message: string }) => boolean;
  /** Writes nothing (tests). */
  silent?: boolean;
}

/**
 * Creates a winston logger whose every entry (message, metadata, errors with their stacks and
 * causes, `%s` arguments) passes through the secret registry before any transport sees it:
 * secret keys (`password`, `token`, ...) are masked, registered secret values and credentials in
 * URLs (`postgres://user:pw@host`) are replaced by `[REDACTED]`.
 *
 * @example
 * ```ts
 * const logger = createLogger({ secrets, format: 'json' });
 * logger.error('connect failed', { error, url: 'postgres://app:pw@db/app' });
 * // {"level":"error","message":"connect failed","url":"postgres://app:[REDACTED]@db/app",...}
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? defaultSecrets;
  const stream = options.stream ?? process.stderr;
  const pretty = chooseFormat(options.format, stream) === 'pretty';

  const filter = options.filter;
  const keep = winston.format((info) =>
    filter?.({ level: info.level, message: String(info.message) }) === false ? false : info,
  );
  const common = winston.format.combine(...(filter ? [keep()] : []), winston.format.splat(), scrubFormat({ secrets }));
  const format = pretty
    ? winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.colorize(),
        winston.format.printf(prettyLine),
      )
    : winston.format.combine(winston.format.timestamp(), winston.format.json());

  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    format: common,
    silent: options.silent ?? false,
    transports: [
      new winston.transports.Stream({ stream, format }),
      ...(options.file ? [fileTransport(options.file)] : []),
    ],
  });
}

/** The file log: JSON lines whatever the terminal's format, for log shippers. */
function fileTransport(options: FileLogOptions): winston.transport {
  return new winston.transports.Stream({
    stream: new RotatingLogStream(options),
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  });
}

function chooseFormat(wanted: LoggerOptions['format'], stream: NodeJS.WritableStream): 'json' | 'pretty' {
  if (wanted) return wanted;
  const fromEnv = process.env.LOG_FORMAT;
  if (fromEnv === 'json' || fromEnv === 'pretty') return fromEnv;
  if (process.env.NODE_ENV === 'production') return 'json';
  return (stream as NodeJS.WriteStream).isTTY ? 'pretty' : 'json';
}

/** `12:00:01.234 info message {"key":"value"}`, then any stack indented below. */
function prettyLine(info: winston.Logform.TransformableInfo): string {
  const { timestamp, level, message, stack, ...meta } = info as Record<string, unknown>;
  const stacks: string[] = typeof stack === 'string' ? [stack] : [];
  for (const [key, value] of Object.entries(meta)) {
    if (isErrorLike(value) && typeof value.stack === 'string') {
      stacks.push(`${key}: ${value.stack}`);
      meta[key] = value.message;
    }
  }
  const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
  const body = `${String(timestamp)} ${String(level)} ${String(message)}${rest}`;
  return stacks.length ? `${body}\n${stacks.map((s) => s.replace(/^/gm, '    ')).join('\n')}` : body;
}

const isErrorLike = (value: unknown): value is { message: unknown; stack?: unknown } =>
  typeof value === 'object' && value !== null && 'message' in value && 'stack' in value;
