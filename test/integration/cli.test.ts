import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRuntime, startListener, startWorker, type RunningWorker } from '../../functions/app/runtime.js';
import type { BridgeConfig } from '../../functions/common/config.js';
import { silentLogger } from '../../functions/common/logger.js';
import type { EscEventListener } from '../../functions/listener/listener.js';
import { startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';
import { testBrokers, testConfig } from '../helpers/kafka.js';
import { repositoryRoot } from '../helpers/paths.js';
import { simulatorSettings } from '../../functions/app/simulator-settings.js';

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI the way a user does, with the bridge settings in its environment. */
function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repositoryRoot, 'dist/functions/cli/main.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('esc-bridge CLI against the running bridge', () => {
  let simulator: RunningSimulator;
  let config: BridgeConfig;
  let listener: EscEventListener;
  let worker: RunningWorker;
  let env: Record<string, string>;

  before(async () => {
    simulator = await startSimulator({ port: 0, actionDelayMs: 10, aliveDelayMs: 10 });
    config = testConfig({
      ...simulatorSettings(simulator),
    });
    const runtime = await createRuntime(config, silentLogger());
    listener = await startListener(runtime);
    worker = await startWorker(runtime);
    const { topics } = config.kafka;
    env = {
      KAFKA_BROKERS: testBrokers(),
      KAFKA_TOPIC_EVENTS: topics.events,
      KAFKA_TOPIC_COMMANDS: topics.commands,
      KAFKA_TOPIC_RESULTS: topics.results,
      KAFKA_TOPIC_DEAD_LETTER: topics.deadLetter,
    };
  });

  after(async () => {
    await worker?.stop();
    await listener?.stop();
    await simulator?.stop();
  });

  it('command prints ACCEPTED and exits 0 for a known VM', async () => {
    const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
    const run = await runCli(['command', 'reboot', vm.name, '--wait', '20', '--requested-by', 'cli-test'], env);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { status: string; actionType: string; vmName: string; requestedBy: string };
    assert.equal(result.status, 'ACCEPTED');
    assert.equal(result.actionType, 'REBOOT');
    assert.equal(result.vmName, vm.name);
    assert.equal(result.requestedBy, 'cli-test');
  });

  it('command prints REJECTED and exits 1 for an unknown VM', async () => {
    const run = await runCli(['command', 'STOP', 'no-such-dep_X_0_99999999-0000-0000-0000-000000000000', '--wait', '20'], env);
    assert.equal(run.status, 1, run.stderr);
    const result = JSON.parse(run.stdout) as { status: string; rpcErrors: { errorTag: string }[] };
    assert.equal(result.status, 'REJECTED');
    assert.equal(result.rpcErrors[0]?.errorTag, 'operation-failed');
  });

  it('command exits 2 for an unknown action without publishing', async () => {
    const run = await runCli(['command', 'DESTROY', 'vm_1'], env);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /actionType "DESTROY" is not supported; use one of START, STOP/);
  });

  it('command exits 4 naming the fix when Kafka is unreachable', async () => {
    const run = await runCli(['command', 'STOP', 'vm_1', '--brokers', '127.0.0.1:1'], env);
    assert.equal(run.status, 4);
    assert.match(run.stderr, /could not reach Kafka at 127\.0\.0\.1:1 .*esc-bridge local up/);
  });

  it('tail prints decoded records with headers', async () => {
    const run = await runCli(['tail', config.kafka.topics.results, '--from-beginning', '--max', '1', '--timeout', '20'], env);
    assert.equal(run.status, 0, run.stderr);
    const line = JSON.parse(run.stdout.trim().split('\n')[0]!) as { schema: string; headers: Record<string, string>; value: { commandId: string } };
    assert.equal(line.schema, 'VmActionResult');
    assert.equal(line.headers.ce_specversion, '1.0');
    assert.ok(line.value.commandId);
  });

  it('tail exits 1 naming a topic that does not exist', async () => {
    const run = await runCli(['tail', 'esc.no-such-topic', '--timeout', '5'], env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /topic esc\.no-such-topic does not exist/);
  });

  it('listen exits 2 listing every missing setting', async () => {
    const run = await runCli(['listen'], { KAFKA_BROKERS: testBrokers() });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /ESC_HOST is missing/);
    assert.match(run.stderr, /ESC_PASSWORD or ESC_PRIVATE_KEY_FILE is missing/);
    assert.match(run.stderr, /ESC host key is not pinned/);
  });

  it('work exits 1 when the host key does not match', async () => {
    const run = await runCli(['work'], {
      ...env,
      ESC_HOST: simulator.host,
      ESC_PORT: String(simulator.port),
      ESC_USERNAME: simulator.username,
      ESC_PASSWORD: simulator.password,
      ESC_HOST_KEY_SHA256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      KAFKA_GROUP_ID: 'cli-test-wrong-key',
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /NETCONF_HOST_KEY/);
  });

  it('usage errors exit 2', async () => {
    const run = await runCli(['command'], env);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /missing required argument 'action'/);
  });
});
