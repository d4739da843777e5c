import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  loadSchemas,
  SchemaDecodeError,
  SchemaLoadError,
  SchemaValidationError,
  type SchemaName,
} from '../../../functions/schema/index.js';
import { repositoryRoot } from '../../helpers/paths.js';
import { ESC_EVENT, VM_ACTION_COMMAND, VM_ACTION_RESULT } from './records.js';

const schemas = loadSchemas();
const SAMPLES: Array<[SchemaName, unknown]> = [
  ['EscEvent', ESC_EVENT],
  ['VmActionCommand', VM_ACTION_COMMAND],
  ['VmActionResult', VM_ACTION_RESULT],
];

function assertDecodeError(action: () => unknown, messagePart: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof SchemaDecodeError, `expected SchemaDecodeError, got ${String(error)}`);
    assert.equal(error.code, 'SCHEMA_DECODE');
    assert.equal(error.retriable, false);
    assert.match(error.message, messagePart);
    return true;
  });
}

describe('SchemaSet round trip', () => {
  for (const [name, record] of SAMPLES) {
    it(`decodes what it encodes for ${name}`, () => {
      assert.deepEqual(schemas.decode(name, schemas.encode(name, record)), record);
    });

    it(`picks ${name} by fingerprint in decodeAny`, () => {
      const decoded = schemas.decodeAny(schemas.encode(name, record));
      assert.equal(decoded.name, name);
      assert.deepEqual(decoded.record, record);
    });
  }

  it('keeps numeric-looking text and an unknown action type', () => {
    const command = { ...VM_ACTION_COMMAND, actionType: 'HIBERNATE' };
    assert.equal(schemas.decode<typeof command>('VmActionCommand', schemas.encode('VmActionCommand', command)).actionType, 'HIBERNATE');
    const event = schemas.decode<typeof ESC_EVENT>('EscEvent', schemas.encode('EscEvent', ESC_EVENT));
    assert.equal(event.statusCode, '0200');
    assert.equal(event.svcversion, '1.60');
  });

  it('loads from an explicit directory', () => {
    const explicit = loadSchemas(path.join(repositoryRoot, 'schemas'));
    assert.deepEqual(explicit.fingerprint('EscEvent'), schemas.fingerprint('EscEvent'));
  });

  it('reports a missing schema directory', () => {
    assert.throws(() => loadSchemas('/nonexistent-schemas'), (error: unknown) =>
      error instanceof SchemaLoadError && /cannot load Avro schema \/nonexistent-schemas\/EscEvent\.avsc/.test(error.message));
  });
});

describe('SchemaSet single-object header', () => {
  it('starts with C3 01 and the fingerprint', () => {
    const bytes = schemas.encode('VmActionCommand', VM_ACTION_COMMAND);
    assert.equal(bytes[0], 0xc3);
    assert.equal(bytes[1], 0x01);
    assert.deepEqual(bytes.subarray(2, 10), schemas.fingerprint('VmActionCommand'));
  });

  it('has distinct 8-byte fingerprints', () => {
    const fingerprints = SAMPLES.map(([name]) => schemas.fingerprint(name).toString('hex'));
    assert.equal(new Set(fingerprints).size, 3);
    for (const fingerprint of fingerprints) {
      assert.equal(fingerprint.length, 16);
    }
  });
});

describe('SchemaSet decode errors', () => {
  const good = schemas.encode('VmActionCommand', VM_ACTION_COMMAND);

  it('rejects a wrong marker', () => {
    const bytes = Buffer.from(good);
    bytes[0] = 0x00;
    assertDecodeError(() => schemas.decode('VmActionCommand', bytes), /starts with 0001, not the Avro single-object marker c301/);
  });

  it('rejects an unknown fingerprint', () => {
    const bytes = Buffer.from(good);
    bytes.fill(0xab, 2, 10);
    assertDecodeError(() => schemas.decodeAny(bytes), /unknown schema fingerprint abababababababab/);
    assertDecodeError(() => schemas.decode('VmActionCommand', bytes), /unknown fingerprint abababababababab/);
  });

  it('rejects a record of another schema', () => {
    assertDecodeError(() => schemas.decode('EscEvent', good), /expected a EscEvent record .* contains a VmActionCommand record/);
  });

  it('rejects a truncated body', () => {
    assertDecodeError(() => schemas.decode('VmActionCommand', good.subarray(0, good.length - 5)), /VmActionCommand body cannot be decoded/);
  });

  it('rejects a message shorter than the header', () => {
    assertDecodeError(() => schemas.decodeAny(good.subarray(0, 6)), /6 bytes, shorter than the 10-byte/);
  });

  it('rejects trailing bytes', () => {
    assertDecodeError(() => schemas.decode('VmActionCommand', Buffer.concat([good, Buffer.from([0])])), /body cannot be decoded/);
  });
});

describe('SchemaSet validate', () => {
  it('returns no paths for a valid record', () => {
    assert.deepEqual(schemas.validate('EscEvent', ESC_EVENT), []);
  });

  it('reports the path of a nested invalid field', () => {
    const record = structuredClone(ESC_EVENT);
    (record.vmTarget!.interfaces[0] as { nicid: unknown }).nicid = 0;
    assert.deepEqual(schemas.validate('EscEvent', record), ['vmTarget.interfaces.0.nicid']);
  });

  it('reports a missing required field', () => {
    const { status: _status, ...record } = ESC_EVENT;
    assert.deepEqual(schemas.validate('EscEvent', record), ['status']);
  });

  it('refuses to encode an invalid record and names the field', () => {
    assert.throws(
      () => schemas.encode('VmActionCommand', { ...VM_ACTION_COMMAND, requestedAt: 'now' }),
      (error: unknown) => {
        assert.ok(error instanceof SchemaValidationError);
        assert.equal(error.code, 'SCHEMA_INVALID_RECORD');
        assert.deepEqual(error.fieldPaths, ['requestedAt']);
        assert.match(error.message, /VmActionCommand record is invalid at: requestedAt/);
        return true;
      },
    );
  });
});
