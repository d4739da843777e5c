/**
 * Base class of every error the bridge raises on purpose.
 *
 * `code` is a stable, prefixed string (`NETCONF_…`, `ESC_…`, `SCHEMA_…`, `KAFKA_…`,
 * `CONFIG_…`) that logs and tests match on. `retriable` is true when the same input may
 * succeed later, so an entry point throws and the platform retries. When it is false, the
 * entry point reports the error and dead-letters the input.
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
