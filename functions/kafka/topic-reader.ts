import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../common/logger.js';

export interface TopicReaderOptions {
  kafka: Kafka;
  topics: readonly string[];
  /** Read each topic from its start; otherwise only records written after `start()` resolves. */
  fromBeginning: boolean;
  onMessage: (topic: string, partition: number, message: KafkaMessage) => void | Promise<void>;
  logger: Logger;
  /** @default a unique `esc-bridge-reader-<uuid>` group, so readers never share records */
  groupId?: string;
}

/**
 * Reads topics with a throwaway consumer group. When not reading from the beginning, it
 * records each partition's end offset before joining and starts there. A plain "latest"
 * reset could skip a record written right after `start()` resolves, because the first
 * fetch may happen after the write.
 */
export class TopicReader {
  private readonly consumer: Consumer;
  private startOffsets = new Map<string, bigint>();

  constructor(private readonly options: TopicReaderOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId ?? `esc-bridge-reader-${randomUUID()}`,
      allowAutoTopicCreation: false,
      // A short long-poll keeps stop() quick; fetches still return as soon as records arrive.
      maxWaitTimeInMs: 1000,
    });
  }

  async start(): Promise<void> {
    if (!this.options.fromBeginning) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      try {
        for (const topic of this.options.topics) {
          for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
            this.startOffsets.set(`${topic}/${partition}`, BigInt(high));
          }
        }
      } finally {
        await admin.disconnect();
      }
    }

    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const startOffset = this.startOffsets.get(`${topic}/${partition}`);
        if (startOffset !== undefined && BigInt(message.offset) < startOffset) {
          return;
        }
        await this.options.onMessage(topic, partition, message);
      },
    });
    await joined;
    for (const [key, offset] of this.startOffsets) {
      const separator = key.lastIndexOf('/');
      this.consumer.seek({ topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)), offset: offset.toString() });
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
