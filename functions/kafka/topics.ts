import type { Kafka } from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { KafkaTopicError } from './errors.js';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
}

/**
 * Creates the topics that do not exist yet, with explicit partition counts, and waits
 * for their leaders. Existing topics are left as they are.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[], logger: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) {
      return;
    }
    // kafkajs returns false when another process created the topics first.
    const created = await admin.createTopics({ topics: missing.map((spec) => ({ ...spec })), waitForLeaders: true });
    if (created) {
      logger.info({ topics: missing.map((spec) => spec.topic), partitions: missing[0]!.numPartitions }, 'topics created');
    }
  } catch (error) {
    throw new KafkaTopicError(
      `could not create topics ${specs.map((spec) => spec.topic).join(', ')}: ${(error as Error).message}`,
      error,
    );
  } finally {
    await admin.disconnect();
  }
}
