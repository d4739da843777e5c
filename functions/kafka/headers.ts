import type { IHeaders } from 'kafkajs';

/** Media type of record values in Avro single-object encoding. */
export const AVRO_CONTENT_TYPE = 'application/avro';

/** Prefix of CloudEvents types the bridge produces. */
export const CE_TYPE_PREFIX = 'io.github.esckafkabridge';

/** Header of Spring Kafka's request-reply correlation, echoed on every result. */
export const CORRELATION_ID_HEADER = 'kafka_correlationId';

export interface CloudEventAttributes {
  id: string;
  source: string;
  type: string;
  /** Epoch ms; written as RFC 3339. */
  time: number;
  subject?: string | null;
  contentType?: string;
  /** Extension attributes (lowercase alphanumeric names), written as `ce_<name>`. */
  extensions?: Record<string, string | null | undefined>;
}

/**
 * Builds CloudEvents 1.0 Kafka binary-mode headers (`ce_*` plus `content-type`), so a
 * router can read an event's id, type and subject without decoding the Avro value.
 */
export function cloudEventHeaders(attributes: CloudEventAttributes): IHeaders {
  const headers: IHeaders = {
    ce_specversion: '1.0',
    ce_id: attributes.id,
    ce_source: attributes.source,
    ce_type: attributes.type,
    ce_time: new Date(attributes.time).toISOString(),
    'content-type': attributes.contentType ?? AVRO_CONTENT_TYPE,
  };
  if (attributes.subject) {
    headers.ce_subject = attributes.subject;
  }
  for (const [name, value] of Object.entries(attributes.extensions ?? {})) {
    if (value !== null && value !== undefined) {
      headers[`ce_${name}`] = value;
    }
  }
  return headers;
}

/** Decodes kafkajs headers (Buffer, string or arrays of them) to strings, for display and matching. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) {
      continue;
    }
    result[name] = Array.isArray(value) ? value.map((item) => item.toString()) : value.toString();
  }
  return result;
}

/** Returns the first value of a header as a string, or undefined. */
export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) {
    return undefined;
  }
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
