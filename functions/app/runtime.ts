import type { Kafka } from 'kafkajs';
import type { BridgeConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import { createKafka, ensureTopics } from '../kafka/index.js';
import { EscEventListener } from '../listener/listener.js';
import { loadSchemas, type SchemaSet } from '../schema/index.js';
import { CommandProcessor } from '../worker/command-processor.js';
import { ConsumerWorker } from '../worker/consumer-worker.js';
import { NetconfVmActionExecutor } from '../worker/executor.js';

/** Kafka client, schemas and topics shared by the listener and the worker of one process. */
export interface BridgeRuntime {
  config: BridgeConfig;
  logger: Logger;
  kafka: Kafka;
  schemas: SchemaSet;
}

/** Creates the Kafka client and loads the schemas; creates missing topics when configured to. */
export async function createRuntime(config: BridgeConfig, logger: Logger): Promise<BridgeRuntime> {
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, tls: config.kafka.tls, sasl: config.kafka.sasl, logger });
  const schemas = loadSchemas();
  if (config.kafka.createTopics) {
    const { topics, topicPartitions, topicReplicationFactor } = config.kafka;
    await ensureTopics(
      kafka,
      [topics.events, topics.commands, topics.results, topics.deadLetter].map((topic) => ({
        topic,
        numPartitions: topicPartitions,
        replicationFactor: topicReplicationFactor,
      })),
      logger,
    );
  }
  return { config, logger, kafka, schemas };
}

/** Starts the listener; resolves once it is subscribed to ESC's notifications. */
export async function startListener(runtime: BridgeRuntime): Promise<EscEventListener> {
  const { config } = runtime;
  const listener = new EscEventListener({
    esc: config.esc,
    kafka: config.kafka,
    kafkaClient: runtime.kafka,
    schemas: runtime.schemas,
    logger: runtime.logger,
    reconnectMinMs: config.esc.reconnectMinMs,
    reconnectMaxMs: config.esc.reconnectMaxMs,
    maxPending: config.listener.maxPending,
  });
  await listener.start();
  return listener;
}

export interface RunningWorker {
  consumer: ConsumerWorker;
  executor: NetconfVmActionExecutor;
  stop(): Promise<void>;
}

/**
 * Starts a consumer-group worker: opens its NETCONF session to ESC first (waiting while
 * ESC is unreachable, failing on bad credentials or host key), then joins the group.
 */
export async function startWorker(runtime: BridgeRuntime, onFatalError?: (error: Error) => void): Promise<RunningWorker> {
  const { config, logger } = runtime;
  const executor = new NetconfVmActionExecutor(config.esc, logger.child({ component: 'executor', escHost: config.esc.host }));
  const processor = new CommandProcessor({
    schemas: runtime.schemas,
    executor,
    escHost: config.esc.host,
    resultsTopic: config.kafka.topics.results,
    deadLetterTopic: config.kafka.topics.deadLetter,
    workerId: config.worker.workerId,
    dedupeSize: config.worker.dedupeSize,
    logger: logger.child({ component: 'worker' }),
  });
  const consumer = new ConsumerWorker({
    kafkaClient: runtime.kafka,
    processor,
    commandsTopic: config.kafka.topics.commands,
    deadLetterTopic: config.kafka.topics.deadLetter,
    groupId: config.kafka.groupId,
    logger,
    onFatalError,
  });
  await executor.open({ minMs: config.esc.reconnectMinMs, maxMs: config.esc.reconnectMaxMs });
  await consumer.start();
  return {
    consumer,
    executor,
    async stop() {
      await consumer.stop();
      await executor.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the worker NETCONF session failed'));
    },
  };
}
