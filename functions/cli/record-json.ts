import type { KafkaMessage } from 'kafkajs';
import { headersToStrings } from '../kafka/index.js';
import type { SchemaSet } from '../schema/index.js';

/** A Kafka record made readable: Avro decoded, headers as strings, bytes otherwise as text or base64. */
export interface RecordJson {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  headers: Record<string, string | string[]>;
  schema?: string;
  value: unknown;
  valueEncoding?: 'utf8' | 'base64';
  decodeError?: string;
}

const TEXT_CONTENT_TYPES = /^(application\/xml|text\/|application\/json)/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
// Control characters other than tab, line feed and carriage return mark binary data.
const BINARY_CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Returns the bytes as text when they are valid UTF-8 without binary control characters. */
function asText(bytes: Buffer): string | undefined {
  try {
    const text = utf8.decode(bytes);
    return BINARY_CONTROL_CHARACTERS.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * Turns one record into JSON-ready data. Values in Avro single-object encoding are
 * decoded with the bridge's schemas. Anything else (dead letters) is shown as UTF-8
 * text when its content-type is a text type or the bytes are readable text, else as base64.
 */
export function recordToJson(schemas: SchemaSet, topic: string, partition: number, message: KafkaMessage): RecordJson {
  const headers = headersToStrings(message.headers);
  const base = {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: message.key ? message.key.toString('utf8') : null,
    headers,
  };
  if (!message.value) {
    return { ...base, value: null };
  }
  if (message.value.length >= 10 && message.value[0] === 0xc3 && message.value[1] === 0x01) {
    try {
      const { name, record } = schemas.decodeAny(message.value);
      return { ...base, schema: name, value: record };
    } catch (error) {
      return { ...base, value: message.value.toString('base64'), valueEncoding: 'base64', decodeError: (error as Error).message };
    }
  }
  const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : '';
  const text = TEXT_CONTENT_TYPES.test(contentType) ? message.value.toString('utf8') : asText(message.value);
  if (text !== undefined) {
    return { ...base, value: text, valueEncoding: 'utf8' };
  }
  return { ...base, value: message.value.toString('base64'), valueEncoding: 'base64' };
}
