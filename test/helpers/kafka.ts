import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { loadConfig, type BridgeConfig } from '../../functions/common/config.js';
import { silentLogger } from '../../functions/common/logger.js';
import { createKafka, TopicReader } from '../../functions/kafka/index.js';

/** Bootstrap servers of the broker `npm test` starts; fails with the fix when absent. */
export function testBrokers(): string {
  const brokers = process.env.ESC_BRIDGE_TEST_KAFKA_BROKERS;
  if (!brokers) {
    throw new Error('ESC_BRIDGE_TEST_KAFKA_BROKERS is not set: run the integration tests with `npm test`, which starts a Kafka broker');
  }
  return brokers;
}

/** Builds a bridge configuration on the test broker with topic names no other test uses. */
export function testConfig(env: Record<string, string> = {}): BridgeConfig {
  const suffix = randomUUID().slice(0, 8);
  return loadConfig(
    {
      KAFKA_BROKERS: testBrokers(),
      KAFKA_CLIENT_ID: `test-${suffix}`,
      KAFKA_TOPIC_EVENTS: `test-${suffix}.events`,
      KAFKA_TOPIC_COMMANDS: `test-${suffix}.commands`,
      KAFKA_TOPIC_RESULTS: `test-${suffix}.results`,
      KAFKA_TOPIC_DEAD_LETTER: `test-${suffix}.dead-letter`,
      KAFKA_GROUP_ID: `test-${suffix}-workers`,
      ESC_RECONNECT_MIN_MS: '100',
      ESC_RECONNECT_MAX_MS: '500',
      ...env,
    },
    { needsEsc: env.ESC_HOST !== undefined },
  );
}

export interface CollectedRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Reads topics from their start and lets a test wait for records matching a condition. */
export class RecordCollector {
  readonly records: CollectedRecord[] = [];
  private readonly reader: TopicReader;
  private listeners: (() => void)[] = [];

  constructor(topics: string[]) {
    const kafka = createKafka({ brokers: testBrokers().split(','), clientId: `collector-${randomUUID().slice(0, 8)}`, logger: silentLogger() });
    this.reader = new TopicReader({
      kafka,
      topics,
      fromBeginning: true,
      logger: silentLogger(),
      onMessage: (topic, partition, message) => {
        this.records.push({ topic, partition, message });
        this.listeners.forEach((listener) => listener());
      },
    });
  }

  start(): Promise<void> {
    return this.reader.start();
  }

  /** Resolves with the records matching `predicate` once there are `count` of them. */
  waitFor(predicate: (record: CollectedRecord) => boolean, count = 1, timeoutMs = 20_000): Promise<CollectedRecord[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const matching = this.records.filter(predicate);
        if (matching.length >= count) {
          cleanup();
          resolve(matching);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} matching record(s); saw ${this.records.length} record(s) on ${[...new Set(this.records.map((record) => record.topic))].join(', ') || 'no topic'}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }
}
