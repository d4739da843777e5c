import { BridgeError } from '../common/errors.js';

/** Raised when a record could not be published; retriable when the Kafka client says so. */
export class KafkaPublishError extends BridgeError {
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super('KAFKA_PUBLISH_FAILED', message, options);
  }
}

/** Raised when topics could not be created or described at start-up. */
export class KafkaTopicError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super('KAFKA_TOPIC', message, { retriable: true, cause });
  }
}

/** True when kafkajs marks the error (or its cause) as retriable. */
export function isRetriableKafkaError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (typeof current === 'object' && 'retriable' in current && (current as { retriable: unknown }).retriable === true) {
      return true;
    }
    current = (current as { cause?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}
