import type { Message } from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import { ReliableProducer, buildDeadLetterMessage, type TopicMessages } from '../kafka/index.js';

/** One record waiting to be acknowledged by Kafka. */
export interface PendingRecord {
  topic: string;
  message: Message;
  /** True for an EscEvent record, false for a dead letter. */
  isEvent: boolean;
  /** The notification as received, kept so a record Kafka refuses can still be dead-lettered. */
  rawXml: Buffer;
}

export interface PublisherCounters {
  eventsProduced: number;
  deadLettersProduced: number;
  sendRetries: number;
}

/** Producer method the publisher uses. `ReliableProducer` implements it, and tests pass a fake. */
export type RecordSender = Pick<ReliableProducer, 'send'>;

export interface EventPublisherOptions {
  producer: RecordSender;
  deadLetterTopic: string;
  escHost: string;
  logger: Logger;
  /** Records per Kafka request at most. @default 2000 */
  maxBatchRecords?: number;
  /**
   * Bytes (keys, values and headers) per Kafka request at most. A broker rejects a record
   * batch over its `message.max.bytes` (1 MiB by default) for one partition as a whole,
   * so the limit stays below that even when every record goes to the same partition.
   * @default 524288
   */
  maxBatchBytes?: number;
  /**
   * Time a partial batch waits for more records before it is sent, in ms. Without it a
   * burst leaves in many small requests, each paying a full acks=all round trip.
   * @default 5
   */
  lingerMs?: number;
  /** First delay after a failed send, in ms; doubles up to `retryMaxMs`. @default 200 */
  retryMinMs?: number;
  /** @default 10000 */
  retryMaxMs?: number;
  /** Called with `pending` after every change to it: a record queued, or records acknowledged or dead-lettered. */
  onPendingChange?: (pending: number) => void;
}

/**
 * Queues records and sends them to Kafka in arrival order, in batches: a batch waits
 * `lingerMs` for company, and while one request is in flight, new records accumulate
 * and leave together in the next one.
 * A failed send is retried with backoff until it succeeds. When Kafka rejects a record
 * itself (too large, for example), the record goes to the dead-letter topic with its raw
 * notification instead.
 */
export class EventPublisher {
  readonly counters: PublisherCounters = { eventsProduced: 0, deadLettersProduced: 0, sendRetries: 0 };
  private readonly queue: PendingRecord[] = [];
  private flushing: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: EventPublisherOptions) {}

  /** Number of records not yet acknowledged by Kafka. */
  get pending(): number {
    return this.queue.length;
  }

  enqueue(record: PendingRecord): void {
    this.queue.push(record);
    this.reportPending();
    this.startFlush();
  }

  /** Removes the oldest `count` records, which Kafka acknowledged or which went to the dead-letter topic. */
  private removeHandled(count: number): void {
    if (count === 0) {
      return;
    }
    this.queue.splice(0, count);
    this.reportPending();
  }

  private reportPending(): void {
    try {
      this.options.onPendingChange?.(this.queue.length);
    } catch (error) {
      // A throwing callback must not stop the flush loop, which would leave records unsent.
      this.options.logger.error({ err: error }, 'pending-count callback threw');
    }
  }

  private startFlush(): void {
    if (this.flushing || this.stopped) {
      return;
    }
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
    });
  }

  /** Resolves once every queued record has been acknowledged (or the publisher stopped). */
  async drain(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing) {
      return;
    }
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Returns the records not acknowledged by Kafka, oldest first. */
  unsent(): readonly PendingRecord[] {
    return [...this.queue];
  }

  /** Stops retrying; records still queued are reported by the caller as lost. */
  stop(): void {
    this.stopped = true;
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private async flushLoop(): Promise<void> {
    const maxBatch = this.options.maxBatchRecords ?? 2000;
    let delayMs = this.options.retryMinMs ?? 200;
    const lingerMs = this.options.lingerMs ?? 5;
    while (this.queue.length > 0 && !this.stopped) {
      if (this.queue.length < maxBatch && lingerMs > 0) {
        await sleep(lingerMs);
      }
      const batch = this.takeBatch(maxBatch, this.options.maxBatchBytes ?? 512 * 1024);
      try {
        await this.options.producer.send(groupByTopic(batch));
        this.count(batch);
        this.removeHandled(batch.length);
        delayMs = this.options.retryMinMs ?? 200;
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable) {
          this.counters.sendRetries += 1;
          this.options.logger.warn({ err: error, records: batch.length, retryInMs: delayMs }, 'kafka send failed, retrying');
          await sleep(delayMs);
          delayMs = Math.min(delayMs * 2, this.options.retryMaxMs ?? 10_000);
        } else {
          const handled = await this.sendOneByOne(batch);
          this.removeHandled(handled);
          if (handled < batch.length) {
            await sleep(delayMs);
          }
        }
      }
    }
  }

  /** Returns the oldest queued records (at least one) within both batch limits, without removing them. */
  private takeBatch(maxRecords: number, maxBytes: number): PendingRecord[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < maxRecords) {
      bytes += messageSize(this.queue[count]!.message);
      if (count > 0 && bytes > maxBytes) {
        break;
      }
      count += 1;
    }
    return this.queue.slice(0, count);
  }

  /**
   * Sends each record alone, so one record Kafka rejects does not hold back the others.
   * Returns how many records of `batch` were handled (sent or dead-lettered); it stops
   * early when even the dead-letter send fails, leaving the rest queued.
   */
  private async sendOneByOne(batch: PendingRecord[]): Promise<number> {
    let handled = 0;
    for (const record of batch) {
      try {
        await this.options.producer.send([{ topic: record.topic, messages: [record.message] }]);
        this.count([record]);
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable === true) {
          // A transient failure is not a verdict on this record: the main loop retries it.
          return handled;
        }
        this.options.logger.error({ err: error, topic: record.topic }, 'kafka rejected a record, sending it to the dead-letter topic');
        const deadLetter = buildDeadLetterMessage({
          rawValue: record.rawXml,
          key: record.message.key ?? null,
          errorCode: 'KAFKA_PUBLISH_REJECTED',
          reason: `Kafka rejected the record for ${record.topic}: ${describeError(error)}`,
          component: 'listener',
          source: { escHost: this.options.escHost },
          contentType: 'application/xml',
          failedAt: Date.now(),
        });
        try {
          await this.options.producer.send([{ topic: this.options.deadLetterTopic, messages: [deadLetter] }]);
        } catch (deadLetterError) {
          this.options.logger.error({ err: deadLetterError }, 'dead-letter send failed, keeping the record queued');
          return handled;
        }
        this.counters.deadLettersProduced += 1;
      }
      handled += 1;
    }
    return handled;
  }

  private count(records: readonly PendingRecord[]): void {
    for (const record of records) {
      if (record.isEvent) {
        this.counters.eventsProduced += 1;
      } else {
        this.counters.deadLettersProduced += 1;
      }
    }
  }
}

function groupByTopic(records: readonly PendingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    const messages = byTopic.get(record.topic) ?? [];
    messages.push(record.message);
    byTopic.set(record.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function messageSize(message: Message): number {
  let size = byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += name.length + (Array.isArray(value) ? value.reduce((sum: number, item) => sum + byteLength(item), 0) : byteLength(value));
  }
  return size;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) {
    return 0;
  }
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
