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

/** Raised when no broker of the bootstrap list can be reached. */
export class KafkaUnreachableError extends BridgeError {
  constructor(brokers: readonly string[], cause: unknown) {
    super(
      'KAFKA_UNREACHABLE',
      `could not reach Kafka at ${brokers.join(',')} (${(cause as Error).message}); start a local broker with \`esc-bridge local up\` or set KAFKA_BROKERS (--brokers)`,
      { retriable: true, cause },
    );
  }
}

const MAX_LISTED_TOPICS = 10;

/** Raised when a topic a command needs does not exist. */
export class KafkaTopicMissingError extends BridgeError {
  constructor(readonly topics: readonly string[], existing: readonly string[]) {
    const visibleTopics = existing.filter((topic) => !topic.startsWith('__')).sort();
    const listed = visibleTopics.length > MAX_LISTED_TOPICS ? `${visibleTopics.slice(0, MAX_LISTED_TOPICS).join(', ')} and ${visibleTopics.length - MAX_LISTED_TOPICS} more` : visibleTopics.join(', ');
    const subject = topics.length === 1 ? `topic ${topics[0]} does not exist` : `topics ${topics.join(', ')} do not exist`;
    super(
      'KAFKA_TOPIC_MISSING',
      `${subject}; existing topics: ${listed || 'none'}. ` +
        '`esc-bridge listen` and `esc-bridge work` create the bridge topics at start-up, or check the topic name',
      { retriable: false },
    );
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
