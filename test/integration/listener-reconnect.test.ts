import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRuntime, startListener } from '../../functions/app/runtime.js';
import { silentLogger } from '../../functions/common/logger.js';
import type { EscEventRecord } from '../../functions/esc/index.js';
import type { EscEventListener } from '../../functions/listener/listener.js';
import { generateHostPrivateKey, startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';
import { findFreePort } from '../../functions/local/kafka-broker.js';
import { RecordCollector, testConfig } from '../helpers/kafka.js';
import { fixturePath } from '../helpers/paths.js';
import { waitUntil } from '../helpers/wait.js';
import { simulatorSettings } from '../../functions/app/simulator-settings.js';

describe('listener after the ESC session is lost', () => {
  const hostKey = generateHostPrivateKey();
  const password = 'reconnect-test-password';
  let simulator: RunningSimulator | undefined;
  let listener: EscEventListener | undefined;
  let collector: RecordCollector | undefined;

  after(async () => {
    await collector?.stop();
    await listener?.stop();
    await simulator?.stop();
  });

  it('reconnects, subscribes again and keeps publishing', async () => {
    simulator = await startSimulator({ port: 0, hostKey, password });
    const port = simulator.port;
    const config = testConfig(simulatorSettings(simulator));
    const runtime = await createRuntime(config, silentLogger());
    listener = await startListener(runtime);
    collector = new RecordCollector([config.kafka.topics.events]);
    await collector.start();
    const eventTypes = () => collector!.records.map((record) => runtime.schemas.decode<EscEventRecord>('EscEvent', record.message.value!).eventType);

    simulator.emitNotification(readFileSync(fixturePath('notification-create-tenant-minimal.xml'), 'utf8'));
    await collector.waitFor(() => eventTypes().includes('CREATE_TENANT'));

    await simulator.stop();
    await waitUntil(() => !listener!.stats().subscribed, 10_000, 'the listener notices the lost session');
    simulator = await startSimulator({ port, hostKey, password });
    await waitUntil(() => simulator!.stats().subscribers === 1, 15_000, 'the listener subscribes to the new simulator');

    simulator.emitNotification(readFileSync(fixturePath('notification-vm-scale-in-complete-hostname.xml'), 'utf8'));
    await collector.waitFor(() => eventTypes().includes('VM_SCALE_IN_COMPLETE'));
    assert.deepEqual(eventTypes(), ['CREATE_TENANT', 'VM_SCALE_IN_COMPLETE']);
    assert.equal(listener.stats().sessions, 2);
    assert.equal(listener.stats().subscribed, true);
  });

  it('waits for an unreachable ESC at start-up instead of failing', async () => {
    const port = await findFreePort();
    const config = testConfig({
      ESC_HOST: '127.0.0.1',
      ESC_PORT: String(port),
      ESC_USERNAME: 'admin',
      ESC_PASSWORD: password,
      ESC_INSECURE_ACCEPT_ANY_HOST_KEY: 'true',
      ESC_CONNECT_TIMEOUT_MS: '1000',
    });
    const runtime = await createRuntime(config, silentLogger());
    const started = startListener(runtime);
    let subscribed = false;
    void started.then(() => {
      subscribed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(subscribed, false, 'no ESC is listening yet');

    const lateSimulator = await startSimulator({ port, hostKey, password });
    try {
      const lateListener = await started;
      assert.equal(lateListener.stats().subscribed, true);
      assert.equal(lateSimulator.stats().subscribers, 1);
      await lateListener.stop();
    } finally {
      await lateSimulator.stop();
    }
  });

  it('fails at start-up when the host key does not match', async () => {
    const other = await startSimulator({ port: 0, password });
    try {
      const config = testConfig({
        ...simulatorSettings(other),
        ESC_HOST_KEY_SHA256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      });
      const runtime = await createRuntime(config, silentLogger());
      await assert.rejects(startListener(runtime), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'NETCONF_HOST_KEY');
        return true;
      });
      assert.equal(other.stats().subscribers, 0);
    } finally {
      await other.stop();
    }
  });

  it('leaves no subscribed session when stopped while connecting', async () => {
    const target = await startSimulator({ port: 0, password });
    try {
      const config = testConfig(simulatorSettings(target));
      const runtime = await createRuntime(config, silentLogger());
      const { EscEventListener } = await import('../../functions/listener/listener.js');
      const { connectNetconf } = await import('../../functions/netconf/index.js');
      let connected: () => void = () => {};
      const sessionOpen = new Promise<void>((resolve) => (connected = resolve));
      const early = new EscEventListener({
        esc: config.esc,
        kafka: config.kafka,
        kafkaClient: runtime.kafka,
        schemas: runtime.schemas,
        logger: silentLogger(),
        reconnectMinMs: config.esc.reconnectMinMs,
        reconnectMaxMs: config.esc.reconnectMaxMs,
        // Holds the new session back so stop() runs between connecting and subscribing.
        connect: async (options) => {
          const session = await connectNetconf(options);
          connected();
          await new Promise((resolve) => setTimeout(resolve, 300));
          return session;
        },
      });
      const started = early.start();
      await sessionOpen;
      await early.stop();
      await assert.rejects(started, (error: Error & { code?: string }) => {
        assert.equal(error.code, 'LISTENER_STOPPED');
        return true;
      });
      await waitUntil(() => target.stats().sessions === 0, 5000, 'the late session is closed');
      assert.equal(target.stats().subscribers, 0);
    } finally {
      await target.stop();
    }
  });
});
