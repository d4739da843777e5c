import { CommandClient } from '../../functions/app/command-client.js';
import { createRuntime, startListener, startWorker, type BridgeRuntime, type RunningWorker } from '../../functions/app/runtime.js';
import { simulatorSettings } from '../../functions/app/simulator-settings.js';
import { silentLogger } from '../../functions/common/logger.js';
import type { EscEventListener } from '../../functions/listener/listener.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../functions/simulator/index.js';
import { RecordCollector, testConfig } from './kafka.js';

/** A simulator, a listener and a worker on the test broker, with a command client and a collector. */
export interface TestBridge {
  simulator: RunningSimulator;
  runtime: BridgeRuntime;
  listener: EscEventListener;
  worker: RunningWorker;
  client: CommandClient;
  /** Reads the events, results and dead-letter topics from their start. */
  collector: RecordCollector;
  stop(): Promise<void>;
}

/** Starts the whole bridge against a new simulator, on topics no other test uses. */
export async function startTestBridge(options: { simulator?: SimulatorOptions; env?: Record<string, string> } = {}): Promise<TestBridge> {
  const simulator = await startSimulator({ port: 0, actionDelayMs: 10, aliveDelayMs: 20, ...options.simulator });
  const config = testConfig({ ...simulatorSettings(simulator), ...options.env });
  const runtime = await createRuntime(config, silentLogger());
  const listener = await startListener(runtime);
  const worker = await startWorker(runtime);
  const { topics } = config.kafka;
  const collector = new RecordCollector([topics.events, topics.results, topics.deadLetter]);
  await collector.start();
  const client = new CommandClient({
    kafka: runtime.kafka,
    schemas: runtime.schemas,
    commandsTopic: topics.commands,
    resultsTopic: topics.results,
    logger: silentLogger(),
  });
  await client.start();
  return {
    simulator,
    runtime,
    listener,
    worker,
    client,
    collector,
    async stop() {
      await client.stop();
      await collector.stop();
      await worker.stop();
      await listener.stop();
      await simulator.stop();
    },
  };
}
