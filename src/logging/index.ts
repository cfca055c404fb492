/** Logging: winston loggers that scrub secrets, and the registry of secrets to scrub. */
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { SecretRegistry, REDACTED, isSecretKey } from './redact.js';
// Where and how a logger writes its file (`LoggerOptions.file`), and when that file rotates.
export type { FileLogOptions } from './rotating-log-stream.js';
export type { RotationPolicy } from './rotation/index.js';
