import winston from 'winston';
import { defaultSecrets, type SecretRegistry } from './redact.js';

/** The logger every part of Stator writes to: winston underneath, secrets scrubbed on the way out. */
export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `debug`, `info`, `warn` or `error`. Default `info` (or `LOG_LEVEL`). */
  level?: string;
  /** `json` (one JSON object a line, for production) or `pretty` (readable on a terminal). Default: pretty on a TTY, json otherwise. */
  format?: 'json' | 'pretty';
  /** Secret values to scrub from every line. */
  secrets?: SecretRegistry;
  /** Where lines go. Default: stderr, so that stdout stays free for command output. */
  stream?: NodeJS.WritableStream;
  /** Writes nothing (tests). */
  silent?: boolean;
}

/**
 * Creates a winston logger whose every entry (message and metadata, errors included) passes
 * through the secret registry before any transport sees it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? defaultSecrets;
  const stream = options.stream ?? process.stderr;
  const pretty = (options.format ?? (isTty(stream) ? 'pretty' : 'json')) === 'pretty';

  const scrubEntry = winston.format((info) => {
    const { level, message, ...meta } = info;
    const clean = secrets.redact(meta) as Record<string | symbol, unknown>;
    const out = info as Record<string | symbol, unknown>;
    for (const key of Object.keys(meta)) out[key] = clean[key];
    out.message = typeof message === 'string' ? secrets.scrub(message) : secrets.redact(message);
    out.level = level;
    return info;
  });

  const format = pretty
    ? winston.format.combine(
        scrubEntry(),
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.colorize(),
        winston.format.printf(({ timestamp, level, message, ...meta }) => {
          const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${rest}`;
        }),
      )
    : winston.format.combine(scrubEntry(), winston.format.timestamp(), winston.format.json());

  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    format,
    silent: options.silent ?? false,
    transports: [new winston.transports.Stream({ stream })],
  });
}

function isTty(stream: NodeJS.WritableStream): boolean {
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}
