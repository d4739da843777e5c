import type { Kafka } from 'kafkajs';
import { KafkaTopicMissingError, KafkaUnreachableError } from './errors.js';

/**
 * Checks that the brokers respond and that every topic exists, so an interactive command
 * fails at once with a clear reason instead of retrying in the background.
 * @throws KafkaUnreachableError or KafkaTopicMissingError
 */
export async function requireTopics(kafka: Kafka, brokers: readonly string[], topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  let existing: string[];
  try {
    await admin.connect();
    existing = await admin.listTopics();
  } catch (error) {
    throw new KafkaUnreachableError(brokers, error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const missing = topics.filter((topic) => !existing.includes(topic));
  if (missing.length > 0) {
    throw new KafkaTopicMissingError(missing, existing);
  }
}
