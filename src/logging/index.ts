/** Logging: winston loggers that scrub secrets, and the registry of secrets to scrub. */
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { SecretRegistry, REDACTED, isSecretKey } from './redact.js';
