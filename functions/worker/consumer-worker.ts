import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { ReliableProducer } from '../kafka/index.js';
import type { CommandProcessor } from './command-processor.js';

export interface ConsumerWorkerOptions {
  kafkaClient: Kafka;
  processor: CommandProcessor;
  commandsTopic: string;
  groupId: string;
  logger: Logger;
  /** Read the topic from its start when the group has no committed offset. @default false */
  fromBeginning?: boolean;
}

export interface ConsumerWorkerStats {
  commands: number;
  results: Record<string, number>;
  deadLetters: number;
}

/**
 * Runs the command processor as a Kafka consumer-group member. Each record's offset is
 * committed only after its result (or dead letter) is acknowledged by Kafka, so a crash
 * in between redelivers the record instead of losing its result.
 */
export class ConsumerWorker {
  private readonly consumer: Consumer;
  private readonly producer: ReliableProducer;
  private readonly logger: Logger;
  private readonly counters: ConsumerWorkerStats = { commands: 0, results: {}, deadLetters: 0 };

  constructor(private readonly options: ConsumerWorkerOptions) {
    this.logger = options.logger.child({ component: 'worker', groupId: options.groupId });
    this.consumer = options.kafkaClient.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000 });
    this.producer = new ReliableProducer(options.kafkaClient, this.logger);
  }

  /** Connects, joins the group and starts consuming; resolves once the first assignment arrives. */
  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.commandsTopic, fromBeginning: this.options.fromBeginning ?? false });
    const joined = new Promise<void>((resolve) => {
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
        this.logger.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'joined the consumer group');
        remove();
        resolve();
      });
    });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: (payload) => this.handle(payload),
    });
    await joined;
    this.logger.info({ topic: this.options.commandsTopic }, 'worker started');
  }

  stats(): ConsumerWorkerStats {
    return structuredClone(this.counters);
  }

  private async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    this.counters.commands += 1;
    const outcome = await this.options.processor.process({
      value: message.value,
      key: message.key,
      headers: message.headers ?? {},
      source: { topic, partition, offset: message.offset },
    });
    // A failed send throws, so kafkajs retries this record without committing its offset.
    await this.producer.send([{ topic: outcome.topic, messages: [outcome.message] }]);
    if (outcome.result) {
      this.counters.results[outcome.result.status] = (this.counters.results[outcome.result.status] ?? 0) + 1;
    } else {
      this.counters.deadLetters += 1;
    }
    await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
    this.logger.info(this.stats(), 'worker stopped');
  }
}
