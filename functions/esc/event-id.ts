import { createHash } from 'node:crypto';
import type { EscEventFields, EscEventRecord } from './records.js';

// Hashed before the content, so a future id scheme with another prefix yields other ids.
const EVENT_ID_DOMAIN = 'esc-kafka-bridge:EscEvent:v1\n';

/**
 * Adds the bridge fields to parsed escEvent fields. `eventId` depends only on the
 * notification content, not on `escHost` or `receivedAt`, so a notification received
 * twice (for example after a listener restart) gets the same id.
 */
export function toEscEventRecord(fields: EscEventFields, context: { escHost: string; receivedAt: number }): EscEventRecord {
  return {
    eventId: computeEventId(fields),
    escHost: context.escHost,
    receivedAt: context.receivedAt,
    ...fields,
  };
}

/**
 * Computes an RFC 9562 version 8 UUID from the SHA-256 digest of the fields serialized
 * as JSON with object keys sorted, so key order and XML whitespace do not change the id.
 */
export function computeEventId(fields: EscEventFields): string {
  const digest = createHash('sha256').update(EVENT_ID_DOMAIN).update(canonicalJson(fields)).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10xx (RFC 9562)
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([left], [right]) => compareCodeUnits(left, right));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compareCodeUnits(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
