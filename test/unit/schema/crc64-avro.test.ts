import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc64Avro, fingerprintBytes } from '../../../functions/schema/index.js';

// Reference fingerprints from the Apache Avro test data (share/test/data/schema-tests.txt),
// published there as signed 64-bit integers.
const REFERENCE: Array<[string, bigint]> = [
  ['"null"', 7195948357588979594n],
  ['"boolean"', -6970731678124411036n],
  ['"int"', 8247732601305521295n],
  ['"long"', -3434872931120570953n],
  ['"string"', -8142146995180207161n],
  ['["int","boolean"]', 5392556393470105090n],
  ['{"name":"foo","type":"fixed","size":15}', 1756455273707447556n],
  ['{"name":"foo","type":"record","fields":[]}', -4824392279771201922n],
  ['{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', 7843277075252814651n],
];

describe('crc64Avro', () => {
  for (const [canonicalForm, signed] of REFERENCE) {
    it(`matches the Avro reference value for ${canonicalForm}`, () => {
      assert.equal(crc64Avro(Buffer.from(canonicalForm)), BigInt.asUintN(64, signed));
    });
  }

  it('returns the seed for empty input', () => {
    assert.equal(crc64Avro(new Uint8Array()), 0xc15d213aa4d7a795n);
  });
});

describe('fingerprintBytes', () => {
  it('writes the fingerprint little-endian', () => {
    assert.equal(fingerprintBytes('"null"').toString('hex'), '8a8f25cce724dd63');
  });
});
