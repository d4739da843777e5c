import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../functions/app/runtime.js';
import { simulatorSettings } from '../../functions/app/simulator-settings.js';
import { silentLogger } from '../../functions/common/logger.js';
import type { EscEventRecord } from '../../functions/esc/index.js';
import { ReliableProducer, type TopicMessages } from '../../functions/kafka/index.js';
import { EscEventListener, type ListenerProducer } from '../../functions/listener/listener.js';
import { startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';
import { RecordCollector, testConfig } from '../helpers/kafka.js';
import { waitUntil } from '../helpers/wait.js';

/** Wraps a real producer so every send waits until `open()`, as while Kafka is unreachable. */
class GatedProducer implements ListenerProducer {
  private opened = false;
  private waiting: (() => void)[] = [];

  constructor(private readonly producer: ReliableProducer) {}

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(batches: readonly TopicMessages[]): ReturnType<ReliableProducer['send']> {
    if (!this.opened) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.producer.send(batches);
  }

  open(): void {
    this.opened = true;
    this.waiting.splice(0).forEach((resolve) => resolve());
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// 4693 bytes per notification, so the burst (14 MB) is twice what the SSH window and the channel
// buffers on both sides take, an estimate of 6 MiB from ssh2 1.17's 2 MiB windows.
const BURST_COUNT = 3000;
const TEMPLATE = {
  type: 'VM_ALIVE',
  statusMessage: `VM_ALIVE for backpressure test ${'x'.repeat(4000)}`,
  depname: 'dep-backpressure',
  tenant: 'tenant-backpressure',
  depid: 'depid-backpressure',
  vmSource: { vmid: 'vm-1', hostid: 'host-1', hostname: 'compute-1' },
};

describe('listener backpressure over SSH', () => {
  let simulator: RunningSimulator | undefined;
  let listener: EscEventListener | undefined;
  let collector: RecordCollector | undefined;

  after(async () => {
    await collector?.stop();
    await listener?.stop();
    await simulator?.stop();
  });

  it('stalls the simulator while paused and loses nothing after resume', async () => {
    simulator = await startSimulator({ port: 0 });
    // Keepalives run every 250 ms, and ssh2 drops the connection after 3 unanswered ones. A pause
    // that blocked their replies would so end the session within a second, and the pause below lasts 3 s.
    const config = testConfig({ ...simulatorSettings(simulator), LISTENER_MAX_PENDING: '100', ESC_KEEPALIVE_INTERVAL_MS: '250' });
    const runtime = await createRuntime(config, silentLogger());
    const producer = new GatedProducer(new ReliableProducer(runtime.kafka, silentLogger()));
    listener = new EscEventListener({
      esc: config.esc,
      kafka: config.kafka,
      kafkaClient: runtime.kafka,
      producer,
      schemas: runtime.schemas,
      logger: silentLogger(),
      reconnectMinMs: config.esc.reconnectMinMs,
      reconnectMaxMs: config.esc.reconnectMaxMs,
      maxPending: config.listener.maxPending,
    });
    await listener.start();

    let burstDone = false;
    const burst = simulator.emitBurst(BURST_COUNT, { template: TEMPLATE }).then(() => {
      burstDone = true;
    });
    await waitUntil(() => listener!.stats().paused, 10_000, 'the listener pauses');
    await sleep(1500);
    const receivedWhilePaused = listener.stats().notificationsReceived;
    await sleep(1500);

    assert.equal(burstDone, false, 'the simulator cannot finish writing while the listener is paused');
    assert.equal(listener.stats().notificationsReceived, receivedWhilePaused, 'nothing is read while paused');
    assert.ok(receivedWhilePaused < BURST_COUNT, `read ${receivedWhilePaused} of ${BURST_COUNT} while paused`);
    assert.equal(listener.stats().paused, true);
    assert.equal(listener.stats().sessions, 1, 'keepalives kept the paused connection up');
    assert.equal(listener.stats().subscribed, true);

    producer.open();
    await burst;
    collector = new RecordCollector([config.kafka.topics.events]);
    await collector.start();
    const records = await collector.waitFor(() => true, BURST_COUNT, 60_000);
    await listener.drain();

    const eventTimes = new Set(records.map((record) => runtime.schemas.decode<EscEventRecord>('EscEvent', record.message.value!).eventTimeText));
    assert.equal(records.length, BURST_COUNT);
    assert.equal(eventTimes.size, BURST_COUNT, 'every notification arrived once');
    const stats = listener.stats();
    assert.equal(stats.notificationsReceived, BURST_COUNT);
    assert.equal(stats.eventsProduced, BURST_COUNT);
    assert.equal(stats.deadLettersProduced, 0);
    assert.ok(stats.pauses >= 1, `paused ${stats.pauses} times`);
    assert.equal(stats.paused, false);
    assert.equal(stats.sessions, 1);
  });
});
