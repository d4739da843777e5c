import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { fingerprintBytes } from './crc64-avro.js';
import { SchemaDecodeError, SchemaLoadError, SchemaValidationError } from './errors.js';

export type SchemaName = 'EscEvent' | 'VmActionCommand' | 'VmActionResult';
export const SCHEMA_NAMES: readonly SchemaName[] = ['EscEvent', 'VmActionCommand', 'VmActionResult'];

/** The two marker bytes that start every Avro single-object encoded message. */
export const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = SINGLE_OBJECT_MAGIC.length + 8;

/** The bridge's Avro schemas, each parsed once, with single-object encoding. */
export interface SchemaSet {
  /** Encodes a record as `C3 01`, the 8-byte little-endian CRC-64-AVRO fingerprint, then the binary body. */
  encode(name: SchemaName, record: unknown): Buffer;
  /** Decodes a single-object message written with this schema; checks marker and fingerprint. */
  decode<T>(name: SchemaName, bytes: Buffer): T;
  /** Decodes a single-object message of any of the schemas, chosen by fingerprint. */
  decodeAny(bytes: Buffer): { name: SchemaName; record: unknown };
  /** Returns the 8-byte fingerprint of the schema's Parsing Canonical Form, little-endian. */
  fingerprint(name: SchemaName): Buffer;
  /** Returns the field paths of the record that do not fit the schema; empty when valid. */
  validate(name: SchemaName, record: unknown): string[];
}

interface LoadedSchema {
  readonly name: SchemaName;
  readonly type: avro.Type;
  readonly fingerprint: Buffer;
}

/**
 * Loads `EscEvent.avsc`, `VmActionCommand.avsc` and `VmActionResult.avsc` from `directory`.
 * The default is the package's `schemas/` directory, found by walking up from this module,
 * so it works both from the sources and from `dist/`.
 */
export function loadSchemas(directory: string = findSchemaDirectory()): SchemaSet {
  const schemas = new Map<SchemaName, LoadedSchema>();
  const byFingerprint = new Map<string, LoadedSchema>();
  for (const name of SCHEMA_NAMES) {
    const loaded = loadSchema(directory, name);
    schemas.set(name, loaded);
    byFingerprint.set(loaded.fingerprint.toString('hex'), loaded);
  }

  const get = (name: SchemaName): LoadedSchema => {
    const loaded = schemas.get(name);
    if (loaded === undefined) {
      throw new SchemaLoadError(`unknown schema name ${JSON.stringify(name)}; use one of ${SCHEMA_NAMES.join(', ')}`);
    }
    return loaded;
  };

  return {
    encode(name, record) {
      const { type, fingerprint } = get(name);
      // The plain check is cheap; the field paths are collected only for the error message.
      if (!type.isValid(record)) {
        const paths = collectInvalidPaths(type, record);
        throw new SchemaValidationError(`${name} record is invalid at: ${paths.join(', ')}`, paths);
      }
      return Buffer.concat([SINGLE_OBJECT_MAGIC, fingerprint, type.toBuffer(record)]);
    },
    decode<T>(name: SchemaName, bytes: Buffer): T {
      const loaded = get(name);
      const fingerprint = readHeader(bytes);
      if (!fingerprint.equals(loaded.fingerprint)) {
        const other = byFingerprint.get(fingerprint.toString('hex'));
        const found = other === undefined ? `unknown fingerprint ${fingerprint.toString('hex')}` : `a ${other.name} record`;
        throw new SchemaDecodeError(
          `expected a ${name} record (fingerprint ${loaded.fingerprint.toString('hex')}) but the message contains ${found}`,
        );
      }
      return decodeBody(loaded, bytes) as T;
    },
    decodeAny(bytes) {
      const fingerprint = readHeader(bytes);
      const loaded = byFingerprint.get(fingerprint.toString('hex'));
      if (loaded === undefined) {
        throw new SchemaDecodeError(
          `unknown schema fingerprint ${fingerprint.toString('hex')}; the message was written with a schema other than ${SCHEMA_NAMES.join(', ')}`,
        );
      }
      return { name: loaded.name, record: decodeBody(loaded, bytes) };
    },
    fingerprint(name) {
      return Buffer.from(get(name).fingerprint);
    },
    validate(name, record) {
      return collectInvalidPaths(get(name).type, record);
    },
  };
}

function loadSchema(directory: string, name: SchemaName): LoadedSchema {
  const file = path.join(directory, `${name}.avsc`);
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(JSON.parse(readFileSync(file, 'utf8')) as avro.Schema);
  } catch (error) {
    throw new SchemaLoadError(`cannot load Avro schema ${file}: ${(error as Error).message}`, { cause: error });
  }
  // avsc's schema() without options returns the Parsing Canonical Form: full names, no
  // doc, default or logicalType attributes, and the spec's attribute order.
  const canonicalForm = JSON.stringify(type.schema());
  return { name, type, fingerprint: fingerprintBytes(canonicalForm) };
}

function readHeader(bytes: Buffer): Buffer {
  if (bytes.length < HEADER_LENGTH) {
    throw new SchemaDecodeError(
      `message is ${bytes.length} bytes, shorter than the ${HEADER_LENGTH}-byte Avro single-object header`,
    );
  }
  if (!bytes.subarray(0, 2).equals(SINGLE_OBJECT_MAGIC)) {
    throw new SchemaDecodeError(
      `message starts with ${bytes.subarray(0, 2).toString('hex')}, not the Avro single-object marker c301`,
    );
  }
  return bytes.subarray(2, HEADER_LENGTH);
}

function decodeBody(loaded: LoadedSchema, bytes: Buffer): unknown {
  try {
    // avsc returns instances of generated record classes; callers get plain objects.
    return structuredClone(loaded.type.fromBuffer(bytes.subarray(HEADER_LENGTH)));
  } catch (error) {
    throw new SchemaDecodeError(`${loaded.name} body cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
}

function collectInvalidPaths(type: avro.Type, record: unknown): string[] {
  const paths: string[] = [];
  type.isValid(record, {
    errorHook: (fieldPath: string[]) => {
      paths.push(fieldPath.length === 0 ? '(record)' : fieldPath.join('.'));
    },
  });
  return paths;
}

function findSchemaDirectory(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    const candidate = path.join(directory, 'schemas');
    if (existsSync(path.join(candidate, 'EscEvent.avsc'))) {
      return candidate;
    }
    directory = path.dirname(directory);
  }
  throw new SchemaLoadError(
    `cannot find the schemas/ directory above ${fileURLToPath(import.meta.url)}; pass the directory to loadSchemas()`,
  );
}
