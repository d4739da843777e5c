export { crc64Avro, fingerprintBytes } from './crc64-avro.js';
export { SchemaDecodeError, SchemaError, SchemaLoadError, SchemaValidationError } from './errors.js';
export { loadSchemas, SCHEMA_NAMES, SINGLE_OBJECT_MAGIC, type SchemaName, type SchemaSet } from './schema-set.js';
