/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for schemas
 * ("Schema Fingerprints"): 64-bit, seeded with `EMPTY`, table-driven, one byte at a time.
 */

/** Fingerprint of the empty input; also the polynomial used to build the table. */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK_64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let index = 0; index < 256; index += 1) {
    let fingerprint = BigInt(index);
    for (let bit = 0; bit < 8; bit += 1) {
      const mask = (fingerprint & 1n) === 1n ? EMPTY : 0n;
      fingerprint = (fingerprint >> 1n) ^ mask;
    }
    table.push(fingerprint);
  }
  return table;
})();

/** Computes the CRC-64-AVRO fingerprint of `bytes` as an unsigned 64-bit integer. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fingerprint = EMPTY;
  for (const byte of bytes) {
    fingerprint = (fingerprint >> 8n) ^ TABLE[Number((fingerprint ^ BigInt(byte)) & 0xffn)]!;
  }
  return fingerprint & MASK_64;
}

/**
 * Returns the fingerprint of a schema's Parsing Canonical Form as the 8 little-endian
 * bytes that Avro single-object encoding puts after the `C3 01` marker.
 */
export function fingerprintBytes(parsingCanonicalForm: string): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(crc64Avro(Buffer.from(parsingCanonicalForm, 'utf8')));
  return buffer;
}
