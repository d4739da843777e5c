import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandClient } from '../../functions/app/command-client.js';
import { createRuntime, startListener, startWorker, type BridgeRuntime, type RunningWorker } from '../../functions/app/runtime.js';
import { loadConfig } from '../../functions/common/config.js';
import { silentLogger } from '../../functions/common/logger.js';
import type { EscEventListener } from '../../functions/listener/listener.js';
import { startLocalBroker, stopLocalBroker, type LocalBrokerInfo } from '../../functions/local/kafka-broker.js';
import { startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';
import { repositoryRoot } from '../helpers/paths.js';
import { simulatorSettings } from '../../functions/app/simulator-settings.js';

describe('bridge on a Kafka listener with TLS and SASL/PLAIN', () => {
  const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'esc-bridge-secure-')), 'kafka');
  let broker: LocalBrokerInfo;
  let simulator: RunningSimulator;
  let runtime: BridgeRuntime;
  let listener: EscEventListener;
  let worker: RunningWorker;
  let kafkaEnv: Record<string, string>;

  before(async () => {
    broker = await startLocalBroker({ stateDir, port: 0, heapMb: 384, secureListener: { username: 'bridge', password: 'bridge-secret' } });
    simulator = await startSimulator({ port: 0, actionDelayMs: 10 });
    kafkaEnv = {
      KAFKA_BROKERS: broker.secureBootstrap!,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: broker.secureCaFile!,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'bridge',
      KAFKA_SASL_PASSWORD: 'bridge-secret',
    };
    const config = loadConfig(
      {
        ...kafkaEnv,
        ...simulatorSettings(simulator),
      },
      { needsEsc: true },
    );
    runtime = await createRuntime(config, silentLogger());
    listener = await startListener(runtime);
    worker = await startWorker(runtime);
  });

  after(async () => {
    await worker?.stop();
    await listener?.stop();
    await simulator?.stop();
    await stopLocalBroker(stateDir);
  });

  it('runs a command and publishes its events over TLS with SASL', async () => {
    const client = new CommandClient({
      kafka: runtime.kafka,
      schemas: runtime.schemas,
      commandsTopic: runtime.config.kafka.topics.commands,
      resultsTopic: runtime.config.kafka.topics.results,
      logger: silentLogger(),
    });
    await client.start();
    const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
    try {
      const sent = await client.send({ actionType: 'STOP', vmName: vm.name });
      const { result } = await client.waitForResult(sent.command.commandId, 20_000);
      assert.equal(result.status, 'ACCEPTED');
    } finally {
      await client.stop();
    }

    const tail = spawnSync(
      process.execPath,
      [path.join(repositoryRoot, 'dist/functions/cli/main.js'), 'tail', 'esc.events', '--from-beginning', '--max', '1', '--timeout', '20'],
      { env: { PATH: process.env.PATH ?? '', ...kafkaEnv }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(tail.status, 0, tail.stderr);
    const record = JSON.parse(tail.stdout.trim()) as { value: { eventType: string; vmSource: { vmid: string } } };
    assert.equal(record.value.eventType, 'VM_STOPPED');
    assert.equal(record.value.vmSource.vmid, vm.vmid);
  });

  it('reports a rejected SASL password as unreachable Kafka with the fix', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(repositoryRoot, 'dist/functions/cli/main.js'), 'command', 'STOP', 'vm_1', '--wait', '5'],
      { env: { PATH: process.env.PATH ?? '', ...kafkaEnv, KAFKA_SASL_PASSWORD: 'wrong' }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, /could not reach Kafka at 127\.0\.0\.1:\d+ \(.*(SASL|[Aa]uthentication)/);
  });
});
