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
  const parts: string[] = [];
  appendCanonicalJson(value, parts);
  return parts.join('');
}

// Records of one shape share one sorted key list, so the sort runs once per shape, not per event.
const sortedKeysByShape = new Map<string, string[]>();

function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  const shape = keys.join('\u0000');
  let sorted = sortedKeysByShape.get(shape);
  if (sorted === undefined) {
    sorted = [...keys].sort(compareCodeUnits);
    if (sortedKeysByShape.size < 1000) {
      sortedKeysByShape.set(shape, sorted);
    }
  }
  return sorted;
}

function appendCanonicalJson(value: unknown, parts: string[]): void {
  if (Array.isArray(value)) {
    parts.push('[');
    value.forEach((item, index) => {
      if (index > 0) {
        parts.push(',');
      }
      appendCanonicalJson(item, parts);
    });
    parts.push(']');
    return;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    parts.push('{');
    let first = true;
    for (const key of sortedKeys(object)) {
      const entry = object[key];
      if (entry === undefined) {
        continue;
      }
      parts.push(first ? '' : ',', JSON.stringify(key), ':');
      first = false;
      appendCanonicalJson(entry, parts);
    }
    parts.push('}');
    return;
  }
  parts.push(JSON.stringify(value));
}

function compareCodeUnits(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
