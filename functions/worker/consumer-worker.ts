import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { ReliableProducer, buildDeadLetterMessage } from '../kafka/index.js';
import type { CommandOutcome, CommandProcessor } from './command-processor.js';

/** Interval of consumer-group heartbeats while one command runs, in ms. */
const HEARTBEAT_INTERVAL_MS = 3000;

export interface ConsumerWorkerOptions {
  kafkaClient: Kafka;
  processor: CommandProcessor;
  commandsTopic: string;
  deadLetterTopic: string;
  groupId: string;
  logger: Logger;
  /**
   * Called when the consumer stopped for good (kafkajs gave up and will not restart it),
   * so the process can exit instead of staying up without consuming.
   */
  onFatalError?: (error: Error) => void;
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
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        this.logger.fatal({ err: event.payload.error }, 'the worker consumer stopped and will not restart');
        this.options.onFatalError?.(event.payload.error);
      }
    });
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

  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    this.counters.commands += 1;
    // kafkajs heartbeats only between records. A vmAction can wait for ESC for the whole
    // RPC timeout, and a member silent for longer than the session timeout loses its
    // partitions, so another worker would receive and run the same command again.
    const heartbeats = setInterval(() => {
      heartbeat().catch((error: unknown) => this.logger.warn({ err: error, topic, partition }, 'consumer heartbeat failed'));
    }, HEARTBEAT_INTERVAL_MS);
    let outcome: CommandOutcome;
    try {
      outcome = await this.options.processor.process({
        value: message.value,
        key: message.key,
        headers: message.headers ?? {},
        source: { topic, partition, offset: message.offset },
      });
    } finally {
      clearInterval(heartbeats);
    }
    await publishOutcome(this.producer, outcome, {
      source: { topic, partition, offset: message.offset, value: message.value, key: message.key },
      deadLetterTopic: this.options.deadLetterTopic,
      logger: this.logger,
    });
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

/**
 * Publishes a command's outcome. A retriable failure throws, so kafkajs retries the record
 * without committing its offset. When Kafka rejects the record for good (too large, not
 * authorized), the command is dead-lettered with the result's status in the reason, so
 * the audit trail keeps what happened and the worker goes on.
 */
export async function publishOutcome(
  producer: Pick<ReliableProducer, 'send'>,
  outcome: CommandOutcome,
  context: {
    source: { topic: string; partition: number; offset: string; value: Buffer | null; key: Buffer | null };
    deadLetterTopic: string;
    logger: Logger;
  },
): Promise<void> {
  const { source } = context;
  try {
    await producer.send([{ topic: outcome.topic, messages: [outcome.message] }]);
    return;
  } catch (error) {
    if ((error as { retriable?: boolean }).retriable === true) {
      throw error;
    }
    const status = outcome.result ? `${outcome.result.status} (${outcome.result.reason ?? ''})` : 'none';
    context.logger.error(
      { err: error, topic: source.topic, partition: source.partition, offset: source.offset, status },
      'Kafka rejected the result; dead-lettering the command',
    );
    const deadLetter = buildDeadLetterMessage({
      rawValue: source.value,
      key: source.key,
      errorCode: 'KAFKA_PUBLISH_REJECTED',
      reason: `the ${outcome.topic} record could not be published (${describeError(error)}); command result: ${status}`,
      component: 'worker',
      source: { topic: source.topic, partition: source.partition, offset: source.offset },
      contentType: 'application/octet-stream',
      failedAt: Date.now(),
    });
    await producer.send([{ topic: context.deadLetterTopic, messages: [deadLetter] }]);
  }
}
