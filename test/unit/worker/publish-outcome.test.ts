import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { silentLogger } from '../../../functions/common/logger.js';
import type { TopicMessages } from '../../../functions/kafka/index.js';
import type { CommandOutcome } from '../../../functions/worker/command-processor.js';
import { publishOutcome } from '../../../functions/worker/consumer-worker.js';

class FakeProducer {
  readonly sent: TopicMessages[] = [];
  constructor(private readonly failures: (Error & { retriable?: boolean })[]) {}
  async send(batches: readonly TopicMessages[]): Promise<never[]> {
    const failure = this.failures.shift();
    if (failure) {
      throw failure;
    }
    this.sent.push(...batches);
    return [];
  }
}

const outcome = {
  topic: 'esc.command-results',
  message: { key: 'vm-1', value: Buffer.from('result') } satisfies Message,
  result: { status: 'ACCEPTED', reason: 'ESC accepted the request' },
} as unknown as CommandOutcome;

const context = {
  source: { topic: 'esc.commands', partition: 0, offset: '5', value: Buffer.from('command'), key: Buffer.from('vm-1') },
  deadLetterTopic: 'esc.dead-letter',
  logger: silentLogger(),
};

function failure(message: string, retriable: boolean): Error & { retriable: boolean } {
  return Object.assign(new Error(message), { retriable });
}

describe('publishOutcome', () => {
  it('publishes the outcome to its topic', async () => {
    const producer = new FakeProducer([]);
    await publishOutcome(producer, outcome, context);
    assert.deepEqual(producer.sent.map((batch) => batch.topic), ['esc.command-results']);
  });

  it('throws a retriable failure so the record is retried', async () => {
    const producer = new FakeProducer([failure('leader not available', true)]);
    await assert.rejects(publishOutcome(producer, outcome, context), /leader not available/);
    assert.equal(producer.sent.length, 0);
  });

  it('dead-letters the command when Kafka rejects the result for good', async () => {
    const producer = new FakeProducer([failure('message too large', false)]);
    await publishOutcome(producer, outcome, context);
    assert.equal(producer.sent.length, 1);
    const [batch] = producer.sent;
    assert.equal(batch!.topic, 'esc.dead-letter');
    const deadLetter = batch!.messages[0]!;
    assert.deepEqual(deadLetter.value, Buffer.from('command'));
    assert.equal(deadLetter.headers?.dlq_error_code, 'KAFKA_PUBLISH_REJECTED');
    assert.match(String(deadLetter.headers?.dlq_reason), /message too large.*command result: ACCEPTED/);
    assert.equal(deadLetter.headers?.dlq_source_offset, '5');
  });
});
