import { BridgeError } from '../common/errors.js';

/** Base class of the schema layer's errors. */
export class SchemaError extends BridgeError {}

/** Raised when a record does not fit its Avro schema; the message lists the failing field paths. */
export class SchemaValidationError extends SchemaError {
  readonly fieldPaths: readonly string[];

  constructor(message: string, fieldPaths: readonly string[]) {
    super('SCHEMA_INVALID_RECORD', message, { retriable: false });
    this.fieldPaths = fieldPaths;
  }
}

/** Raised when bytes are not a decodable Avro single-object message of a known schema. */
export class SchemaDecodeError extends SchemaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SCHEMA_DECODE', message, { retriable: false, cause: options.cause });
  }
}

/** Raised when a schema file is missing or not a valid Avro schema. */
export class SchemaLoadError extends SchemaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SCHEMA_LOAD', message, { retriable: false, cause: options.cause });
  }
}
