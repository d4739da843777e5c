import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { loadConfig } from '../../../functions/common/config.js';
import { silentLogger } from '../../../functions/common/logger.js';
import type { TopicMessages } from '../../../functions/kafka/index.js';
import { EscEventListener, type ListenerProducer } from '../../../functions/listener/listener.js';
import type { NetconfNotification, NetconfSession } from '../../../functions/netconf/index.js';
import { loadSchemas } from '../../../functions/schema/index.js';
import { fixturePath } from '../../helpers/paths.js';

/** A producer whose sends wait until the test releases them, as while Kafka is unreachable. */
class BlockedProducer implements ListenerProducer {
  readonly sent: TopicMessages[][] = [];
  private blocked = true;
  private waiting: (() => void)[] = [];

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  async send(batches: readonly TopicMessages[]): Promise<never[]> {
    if (this.blocked) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.sent.push([...batches]);
    return [];
  }

  release(): void {
    this.blocked = false;
    this.waiting.splice(0).forEach((resolve) => resolve());
  }

  get recordsSent(): number {
    return this.sent.flat().reduce((sum, batch) => sum + batch.messages.length, 0);
  }
}

/** A subscribed NETCONF session that records pause and resume calls. */
class SessionDouble extends EventEmitter {
  readonly calls: string[] = [];
  readonly sessionId: string;
  closed = false;
  paused = false;

  constructor(id: number) {
    super();
    this.sessionId = String(id);
  }

  async createSubscription(): Promise<{ ok: boolean; errors: never[] }> {
    return { ok: true, errors: [] };
  }

  pause(): void {
    this.calls.push('pause');
    this.paused = true;
  }

  resume(): void {
    this.calls.push('resume');
    this.paused = false;
  }

  async close(): Promise<void> {
    this.drop();
  }

  /** Ends the session as a lost connection would. */
  drop(error?: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.emit('close', error);
    }
  }

  deliver(xml: string): void {
    this.emit('notification', { xml, receivedAt: Date.now() } satisfies NetconfNotification);
  }
}

const NOTIFICATION_XML = readFileSync(fixturePath('notification-vm-stopped-success.xml'), 'utf8');

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function startListener(maxPending: number): { listener: EscEventListener; producer: BlockedProducer; sessions: SessionDouble[] } {
  const config = loadConfig(
    { ESC_HOST: '127.0.0.1', ESC_PASSWORD: 'unused', ESC_INSECURE_ACCEPT_ANY_HOST_KEY: 'true' },
    { needsEsc: true },
  );
  const producer = new BlockedProducer();
  const sessions: SessionDouble[] = [];
  const listener = new EscEventListener({
    esc: config.esc,
    kafka: config.kafka,
    kafkaClient: undefined as unknown as Kafka,
    producer,
    schemas: loadSchemas(),
    logger: silentLogger(),
    reconnectMinMs: 1,
    reconnectMaxMs: 2,
    maxPending,
    connect: async () => {
      const session = new SessionDouble(sessions.length + 1);
      sessions.push(session);
      return session as unknown as NetconfSession;
    },
  });
  return { listener, producer, sessions };
}

describe('EscEventListener backpressure', () => {
  it('pauses the session at maxPending and resumes at half', async () => {
    const { listener, producer, sessions } = startListener(4);
    await listener.start();
    const session = sessions[0]!;

    for (let index = 0; index < 3; index += 1) {
      session.deliver(NOTIFICATION_XML);
    }
    assert.deepEqual(session.calls, []);
    session.deliver(NOTIFICATION_XML);

    assert.deepEqual(session.calls, ['pause']);
    assert.equal(listener.stats().pending, 4);
    assert.equal(listener.stats().paused, true);
    assert.equal(listener.stats().pauses, 1);

    producer.release();
    await listener.drain();

    assert.deepEqual(session.calls, ['pause', 'resume']);
    assert.equal(listener.stats().paused, false);
    assert.equal(listener.stats().eventsProduced, 4);
    assert.equal(producer.recordsSent, 4);
    await listener.stop();
  });

  it('opens a new session paused while the queue is above half', async () => {
    const { listener, producer, sessions } = startListener(2);
    await listener.start();
    sessions[0]!.deliver(NOTIFICATION_XML);
    sessions[0]!.deliver(NOTIFICATION_XML);
    assert.deepEqual(sessions[0]!.calls, ['pause']);

    sessions[0]!.drop(new Error('connection reset'));
    await waitUntil(() => listener.stats().subscribed && sessions.length === 2, 'the listener subscribes again');

    assert.deepEqual(sessions[1]!.calls, ['pause']);
    assert.equal(listener.stats().sessions, 2);

    producer.release();
    await listener.drain();

    assert.deepEqual(sessions[1]!.calls, ['pause', 'resume']);
    assert.deepEqual(sessions[0]!.calls, ['pause'], 'the lost session is left alone');
    assert.equal(listener.stats().pauses, 1);
    await listener.stop();
  });

  it('opens a new session running once the queue drained', async () => {
    const { listener, producer, sessions } = startListener(2);
    await listener.start();
    sessions[0]!.deliver(NOTIFICATION_XML);
    sessions[0]!.deliver(NOTIFICATION_XML);
    producer.release();
    await listener.drain();

    sessions[0]!.drop(new Error('connection reset'));
    await waitUntil(() => listener.stats().subscribed && sessions.length === 2, 'the listener subscribes again');

    assert.deepEqual(sessions[1]!.calls, []);
    assert.equal(listener.stats().paused, false);
    await listener.stop();
  });

  it('counts a dead letter toward maxPending', async () => {
    const { listener, sessions } = startListener(2);
    await listener.start();

    sessions[0]!.deliver(NOTIFICATION_XML);
    sessions[0]!.deliver('<notification><broken></notification>');

    assert.deepEqual(sessions[0]!.calls, ['pause']);
    assert.equal(listener.stats().pending, 2);
    await listener.stop(10);
  });
});
