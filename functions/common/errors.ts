/**
 * Base class of every error the bridge raises on purpose.
 *
 * `code` is a stable, prefixed string (`NETCONF_…`, `ESC_…`, `SCHEMA_…`, `KAFKA_…`,
 * `CONFIG_…`) that logs and tests match on. `retriable` tells an entry point whether
 * the same input may succeed later (throw so the platform retries) or never will
 * (report it and dead-letter the input).
 */
export class BridgeError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Describes any thrown value in one line, for logs and result records. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
