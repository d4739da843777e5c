import type { IHeaders, Message } from 'kafkajs';
import { CE_TYPE_PREFIX } from './headers.js';

export interface DeadLetterInput {
  /** Bytes exactly as received (XML from ESC, or the undecodable Kafka value). */
  rawValue: Buffer | null;
  key: Buffer | string | null;
  /** Stable error code, for example ESC_EVENT_INVALID or SCHEMA_DECODE. */
  errorCode: string;
  /** Human-readable reason. */
  reason: string;
  /** Component that gave up on the input: `listener` or `worker`. */
  component: string;
  /** Origin of the input: a Kafka position, or the ESC host for a notification. */
  source: { topic: string; partition: number; offset: string } | { escHost: string };
  /** Media type of `rawValue`. */
  contentType: string;
  /** Headers of the original record, kept so nothing about it is lost. */
  originalHeaders?: IHeaders;
  failedAt: number;
}

/**
 * Builds a dead-letter record: the raw bytes unchanged, the original key, the original
 * headers, and `dlq_*` headers saying what failed, where and when.
 */
export function buildDeadLetterMessage(input: DeadLetterInput): Message {
  const headers: IHeaders = { ...(input.originalHeaders ?? {}) };
  headers.dlq_error_code = input.errorCode;
  headers.dlq_reason = input.reason;
  headers.dlq_component = input.component;
  headers.dlq_failed_at = new Date(input.failedAt).toISOString();
  headers['content-type'] = input.contentType;
  headers.ce_type = `${CE_TYPE_PREFIX}.dead-letter`;
  if ('topic' in input.source) {
    headers.dlq_source_topic = input.source.topic;
    headers.dlq_source_partition = String(input.source.partition);
    headers.dlq_source_offset = input.source.offset;
  } else {
    headers.dlq_source_esc_host = input.source.escHost;
  }
  return { key: input.key, value: input.rawValue, headers };
}
