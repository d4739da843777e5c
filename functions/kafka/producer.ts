import { Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { KafkaPublishError, isRetriableKafkaError } from './errors.js';

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/**
 * A producer with the delivery settings every bridge record needs: the idempotent
 * producer, `acks=all`, and one request in flight so a retry never reorders records
 * of one partition.
 */
export class ReliableProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka, private readonly logger: Logger) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as the Java client does, so Java and Node producers agree on partitions.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
  }

  /**
   * Sends records to one or more topics and resolves once every broker acknowledged
   * them (`acks=all`). Throws KafkaPublishError, retriable when kafkajs marks the error retriable.
   */
  async send(batches: readonly TopicMessages[]): Promise<RecordMetadata[]> {
    try {
      return await this.producer.sendBatch({ topicMessages: batches.map((batch) => ({ ...batch })), acks: -1 });
    } catch (error) {
      const retriable = isRetriableKafkaError(error);
      const topics = [...new Set(batches.map((batch) => batch.topic))].join(', ');
      this.logger.warn({ err: error, topics, retriable }, 'kafka send failed');
      throw new KafkaPublishError(`publishing to ${topics} failed: ${(error as Error).message}`, { retriable, cause: error });
    }
  }

  async disconnect(): Promise<void> {
    if (this.connected) {
      this.connected = false;
      await this.producer.disconnect();
    }
  }
}
