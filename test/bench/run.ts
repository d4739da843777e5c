/**
 * Benchmark of the bridge on the local stack: listener throughput and peak RSS for
 * bursts of notifications, and command round-trip latency. The listener and the worker
 * run as separate `esc-bridge` processes, as in production, so their memory is measured
 * alone. The simulator and the measuring clients run in this process.
 *
 * Usage: npm run bench -- [--burst 10000] [--bursts 3] [--commands 300]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CommandClient } from '../../functions/app/command-client.js';
import { loadConfig } from '../../functions/common/config.js';
import { createLogger } from '../../functions/common/logger.js';
import { createKafka, ensureTopics } from '../../functions/kafka/index.js';
import { startLocalBroker, stopLocalBroker } from '../../functions/local/kafka-broker.js';
import { loadSchemas } from '../../functions/schema/index.js';
import { startSimulator } from '../../functions/simulator/index.js';
import { repositoryRoot } from '../helpers/paths.js';
import { simulatorSettings } from '../../functions/app/simulator-settings.js';

const { values: args } = parseArgs({
  options: {
    burst: { type: 'string', default: '10000' },
    bursts: { type: 'string', default: '3' },
    commands: { type: 'string', default: '300' },
  },
});
const burstSize = Number(args.burst);
const burstCount = Number(args.bursts);
const commandCount = Number(args.commands);

const logger = createLogger({ level: 'warn', name: 'bench' });
const cli = path.join(repositoryRoot, 'dist/functions/cli/main.js');
const stateDir = path.join(repositoryRoot, '.local', 'bench-kafka');
const children: ChildProcess[] = [];

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Peak resident set size of a process (VmHWM), in MiB. */
function peakRssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${buffer}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (pattern.test(buffer)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`process exited with ${code} before it was ready:\n${buffer}`)));
  });
}

async function main(): Promise<void> {
  const broker = await startLocalBroker({ stateDir, port: 0, onProgress: log });
  const simulator = await startSimulator({ port: 0, actionDelayMs: 0, aliveDelayMs: 0 });
  const env = {
    ...process.env,
    ...simulatorSettings(simulator),
    KAFKA_BROKERS: broker.bootstrap,
    LOG_LEVEL: 'info',
  };
  const config = loadConfig(env, { needsEsc: true });
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'bench', logger });
  const { topics } = config.kafka;
  await ensureTopics(kafka, Object.values(topics).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), logger);

  const listener = spawn(process.execPath, [cli, 'listen'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(listener);
  await waitForLine(listener, /subscribed to notifications/, 30_000);
  const worker = spawn(process.execPath, [cli, 'work'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(worker);
  await waitForLine(worker, /worker started/, 30_000);
  const rssAtStart = peakRssMib(listener.pid!);

  const admin = kafka.admin();
  await admin.connect();
  const eventsWritten = async () =>
    (await admin.fetchTopicOffsets(topics.events)).reduce((sum, { high }) => sum + Number(high), 0);

  const rates: number[] = [];
  for (let burst = 1; burst <= burstCount; burst += 1) {
    const before = await eventsWritten();
    const started = performance.now();
    await simulator.emitBurst(burstSize);
    const emitted = performance.now();
    while ((await eventsWritten()) < before + burstSize) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    rates.push(burstSize / seconds);
    log(`burst ${burst}: ${burstSize} notifications written by the simulator in ${((emitted - started) / 1000).toFixed(2)} s, acknowledged by Kafka after ${seconds.toFixed(2)} s (${(burstSize / seconds).toFixed(0)}/s)`);
  }
  const listenerPeakRss = peakRssMib(listener.pid!);

  const schemas = loadSchemas();
  const client = new CommandClient({ kafka, schemas, commandsTopic: topics.commands, resultsTopic: topics.results, logger });
  await client.start();
  const vm = simulator.inventory.listVms()[0]!;
  const latencies: number[] = [];
  const warmup = 20;
  for (let index = 0; index < commandCount + warmup; index += 1) {
    const started = performance.now();
    const sent = await client.send({ actionType: index % 2 === 0 ? 'ENABLE_MONITOR' : 'DISABLE_MONITOR', vmName: vm.name });
    const received = await client.waitForResult(sent.command.commandId, 10_000);
    if (received.result.status !== 'ACCEPTED') {
      throw new Error(`command ${index} got ${received.result.status}: ${received.result.reason}`);
    }
    if (index >= warmup) {
      latencies.push(performance.now() - started);
    }
  }
  latencies.sort((a, b) => a - b);
  const workerPeakRss = peakRssMib(worker.pid!);
  await client.stop();
  await admin.disconnect();

  const sortedRates = [...rates].sort((a, b) => a - b);
  const report = [
    `| metric | value |`,
    `| --- | --- |`,
    `| listener throughput, bursts of ${burstSize} (median of ${burstCount}) | ${percentile(sortedRates, 50).toFixed(0)} notifications/s (min ${sortedRates[0]!.toFixed(0)}, max ${sortedRates.at(-1)!.toFixed(0)}) |`,
    `| listener peak RSS | ${listenerPeakRss.toFixed(0)} MiB (${rssAtStart.toFixed(0)} MiB after start-up) |`,
    `| command round trip p50 (${commandCount} sequential commands) | ${percentile(latencies, 50).toFixed(1)} ms |`,
    `| command round trip p99 | ${percentile(latencies, 99).toFixed(1)} ms |`,
    `| command round trip max | ${latencies.at(-1)!.toFixed(1)} ms |`,
    `| worker peak RSS | ${workerPeakRss.toFixed(0)} MiB |`,
  ];
  process.stdout.write(`\nMachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Kafka ${broker.kafkaVersion}\n\n${report.join('\n')}\n`);

  await simulator.stop();
}

async function shutdown(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await stopLocalBroker(stateDir);
}

main()
  .then(shutdown)
  .catch(async (error: unknown) => {
    process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    await shutdown();
    process.exitCode = 1;
  });
