import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../functions/common/logger.js';
import type { ReliableProducer, TopicMessages } from '../../../functions/kafka/index.js';
import { EventPublisher, type PendingRecord } from '../../../functions/listener/event-publisher.js';

type Failure = Error & { retriable: boolean };

/** A producer that fails the next sends with the queued failures, then records what it sends. */
class FakeProducer {
  readonly sent: TopicMessages[][] = [];
  failures: (Failure | ((batches: readonly TopicMessages[]) => Failure | undefined))[] = [];

  async send(batches: readonly TopicMessages[]): Promise<never[]> {
    const next = this.failures.shift();
    const failure = typeof next === 'function' ? next(batches) : next;
    if (failure) {
      throw failure;
    }
    this.sent.push([...batches]);
    return [];
  }
}

function failure(message: string, retriable: boolean): Failure {
  return Object.assign(new Error(message), { retriable });
}

function record(id: number, bytes = 10): PendingRecord {
  return {
    topic: 'esc.events',
    isEvent: true,
    rawXml: Buffer.from(`<notification id="${id}"/>`),
    message: { key: `k${id}`, value: Buffer.alloc(bytes, id) },
  };
}

function publisher(producer: FakeProducer, options: { maxBatchBytes?: number; lingerMs?: number } = {}): EventPublisher {
  return new EventPublisher({
    producer: producer as unknown as ReliableProducer,
    deadLetterTopic: 'esc.dead-letter',
    escHost: 'esc-1',
    logger: silentLogger(),
    lingerMs: 0,
    retryMinMs: 1,
    retryMaxMs: 2,
    ...options,
  });
}

describe('EventPublisher', () => {
  it('retries a retriable failure until the record is acknowledged', async () => {
    const producer = new FakeProducer();
    producer.failures = [failure('timeout', true), failure('timeout', true)];
    const events = publisher(producer);
    events.enqueue(record(1));
    await events.drain();
    assert.equal(events.counters.eventsProduced, 1);
    assert.equal(events.counters.sendRetries, 2);
    assert.equal(events.pending, 0);
  });

  it('dead-letters only the record Kafka rejects', async () => {
    const producer = new FakeProducer();
    producer.failures = [
      failure('batch rejected', false),
      undefined as unknown as Failure,
      failure('record too large', false),
    ];
    // The linger lets both records leave in one batch, which Kafka rejects as a whole first.
    const events = publisher(producer, { lingerMs: 5 });
    events.enqueue(record(1));
    events.enqueue(record(2));
    await events.drain();
    const topics = producer.sent.map((batches) => batches[0]!.topic);
    assert.deepEqual(topics, ['esc.events', 'esc.dead-letter']);
    assert.equal(events.counters.eventsProduced, 1);
    assert.equal(events.counters.deadLettersProduced, 1);
    const deadLetter = producer.sent[1]![0]!.messages[0]!;
    assert.deepEqual(deadLetter.value, Buffer.from('<notification id="2"/>'));
    assert.match(String(deadLetter.headers?.dlq_reason), /record too large/);
  });

  it('does not dead-letter a record after a transient failure', async () => {
    const producer = new FakeProducer();
    producer.failures = [failure('batch rejected', false), failure('not leader', true)];
    const events = publisher(producer);
    events.enqueue(record(1));
    await events.drain();
    assert.equal(events.counters.deadLettersProduced, 0);
    assert.equal(events.counters.eventsProduced, 1);
    assert.deepEqual(producer.sent.map((batches) => batches[0]!.topic), ['esc.events']);
  });

  it('splits batches at the byte limit', async () => {
    const producer = new FakeProducer();
    const events = publisher(producer, { maxBatchBytes: 250 });
    for (let id = 1; id <= 5; id += 1) {
      events.enqueue(record(id, 100));
    }
    await events.drain();
    const sizes = producer.sent.map((batches) => batches[0]!.messages.length);
    assert.equal(sizes.reduce((sum, size) => sum + size, 0), 5);
    assert.ok(sizes.every((size) => size <= 2), `batch sizes ${sizes.join(', ')}`);
  });

  it('keeps unacknowledged records for the caller after stop', async () => {
    const producer = new FakeProducer();
    producer.failures = Array.from({ length: 1000 }, () => failure('broker down', true));
    const events = publisher(producer);
    events.enqueue(record(7));
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.stop();
    assert.equal(events.unsent().length, 1);
    assert.deepEqual(events.unsent()[0]!.rawXml, Buffer.from('<notification id="7"/>'));
  });
});

describe('EventPublisher onPendingChange', () => {
  it('reports each change of the pending count', async () => {
    const producer = new FakeProducer();
    const counts: number[] = [];
    const events = new EventPublisher({
      producer,
      deadLetterTopic: 'esc.dead-letter',
      escHost: 'esc-1',
      logger: silentLogger(),
      lingerMs: 5,
      onPendingChange: (pending) => counts.push(pending),
    });

    events.enqueue(record(1));
    events.enqueue(record(2));
    await events.drain();

    assert.deepEqual(counts, [1, 2, 0]);
  });

  it('keeps sending when the callback throws', async () => {
    const producer = new FakeProducer();
    const events = new EventPublisher({
      producer,
      deadLetterTopic: 'esc.dead-letter',
      escHost: 'esc-1',
      logger: silentLogger(),
      lingerMs: 0,
      onPendingChange: () => {
        throw new Error('callback bug');
      },
    });

    events.enqueue(record(1));
    await events.drain();

    assert.equal(events.counters.eventsProduced, 1);
    assert.equal(events.pending, 0);
  });
});
