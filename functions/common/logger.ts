import { pino, destination, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths of log fields that may carry credentials; pino replaces their values. */
const REDACTED_PATHS = [
  'password',
  'passphrase',
  'privateKey',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  'config.ssh.password',
  'config.ssh.passphrase',
  'config.ssh.privateKey',
];

/**
 * Creates the root logger. Components receive it (or a child of it) through their
 * options and never create their own, so one process has one log configuration.
 * Logs go to stderr as JSON lines, which keeps stdout free for command output.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const loggerOptions: LoggerOptions = {
    name: options.name ?? 'esc-bridge',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return pino(loggerOptions, destination(2));
}

/** Creates a logger that discards everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
