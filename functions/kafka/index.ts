export { createKafka, type KafkaClientOptions } from './client.js';
export { ensureTopics, type TopicSpec } from './topics.js';
export { ReliableProducer, type TopicMessages } from './producer.js';
export { buildDeadLetterMessage, type DeadLetterInput } from './dead-letter.js';
export {
  AVRO_CONTENT_TYPE,
  CE_TYPE_PREFIX,
  CORRELATION_ID_HEADER,
  cloudEventHeaders,
  headerString,
  headersToStrings,
  type CloudEventAttributes,
} from './headers.js';
export {
  KafkaPublishError,
  KafkaTopicError,
  KafkaTopicMissingError,
  KafkaUnreachableError,
  isRetriableKafkaError,
} from './errors.js';
export { requireTopics } from './preflight.js';
export { TopicReader, type TopicReaderOptions } from './topic-reader.js';
