import type { KafkaMessage } from 'kafkajs';
import { loadConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import type { EscEventRecord, VmActionResultRecord } from '../esc/index.js';
import { TopicReader } from '../kafka/index.js';
import { startLocalBroker, stopLocalBroker } from '../local/kafka-broker.js';
import { startSimulator, type RunningSimulator } from '../simulator/index.js';
import { recordToJson, type RecordJson } from '../cli/record-json.js';
import { CommandClient } from './command-client.js';
import { createRuntime, startListener, startWorker } from './runtime.js';
import { simulatorSettings } from './simulator-settings.js';

export interface DemoOptions {
  /** State directory of the demo's own Kafka broker (wiped at the end). */
  stateDir: string;
  logger: Logger;
  /** Output function that receives each line the demo prints. */
  write: (line: string) => void;
  /** Time to wait for all expected events and results, in ms. @default 60000 */
  timeoutMs?: number;
  /** Print whole records (headers included) instead of the decoded value only. */
  verbose?: boolean;
}

export interface DemoSummary {
  eventsByType: Record<string, number>;
  resultsByStatus: Record<string, number>;
  deadLetters: number;
  /** True when every expected event, result and dead letter arrived in time. */
  complete: boolean;
  missing: string[];
}

interface Expectation {
  label: string;
  met: boolean;
  matches(topic: string, value: unknown): boolean;
}

/**
 * Runs the bridge end to end on the local stack: its own Kafka broker, the ESC simulator,
 * the listener and a worker, all on loopback. Publishes STOP, START and REBOOT of
 * simulator VMs, one command for an unknown VM, one invalid command and one malformed
 * record, prints events, results and dead letters as they arrive, and stops everything
 * it started, also on failure.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { write, logger } = options;
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const broker = await startLocalBroker({ stateDir: options.stateDir, port: 0, onProgress: (message) => write(`• ${message}`) });
    cleanups.push(() => stopLocalBroker(options.stateDir));

    const simulator = await startSimulator({ port: 0, logger: logger.child({ component: 'simulator' }) });
    cleanups.push(() => simulator.stop());
    write(`• ESC simulator listening on ${simulator.host}:${simulator.port} (host key ${simulator.hostKeyFingerprint})`);

    const config = loadConfig(
      {
        ...simulatorSettings(simulator),
        KAFKA_BROKERS: broker.bootstrap,
        KAFKA_CLIENT_ID: 'esc-bridge-demo',
        LOG_LEVEL: logger.level,
      },
      { needsEsc: true },
    );
    const runtime = await createRuntime(config, logger);
    const listener = await startListener(runtime);
    cleanups.push(() => listener.stop());
    write('• listener subscribed to escEvent');
    const worker = await startWorker(runtime);
    cleanups.push(() => worker.stop());
    write('• worker joined its consumer group');

    const { topics } = config.kafka;
    const summary: DemoSummary = { eventsByType: {}, resultsByStatus: {}, deadLetters: 0, complete: false, missing: [] };
    const plan = planCommands(simulator);
    const expectations = expectationsFor(plan, topics);
    let allMet: () => void = () => {};
    const allMetPromise = new Promise<void>((resolve) => {
      allMet = resolve;
    });

    const reader = new TopicReader({
      kafka: runtime.kafka,
      topics: [topics.events, topics.results, topics.deadLetter],
      fromBeginning: true,
      logger,
      onMessage: (topic: string, partition: number, message: KafkaMessage) => {
        const json = recordToJson(runtime.schemas, topic, partition, message);
        write(`[${topic}] ${JSON.stringify(options.verbose ? json : briefRecord(json))}`);
        count(summary, topic, json.value, topics);
        for (const expectation of expectations) {
          if (!expectation.met && expectation.matches(topic, json.value)) {
            expectation.met = true;
          }
        }
        if (expectations.every((expectation) => expectation.met)) {
          allMet();
        }
      },
    });
    await reader.start();
    cleanups.push(() => reader.stop());

    const client = new CommandClient({
      kafka: runtime.kafka,
      schemas: runtime.schemas,
      commandsTopic: topics.commands,
      resultsTopic: topics.results,
      logger,
    });
    await client.start();
    cleanups.push(() => client.stop());

    for (const step of plan) {
      write(`→ ${step.description}`);
      if (step.actionType === undefined) {
        await client.sendRaw('malformed', Buffer.from('{"actionType":"STOP"} is JSON, not an Avro record'), step.commandId);
      } else {
        await client.send({ actionType: step.actionType, vmName: step.vmName!, commandId: step.commandId, requestedBy: 'esc-bridge demo' });
      }
    }

    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allMetPromise, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    await listener.drain();

    summary.missing = expectations.filter((expectation) => !expectation.met).map((expectation) => expectation.label);
    summary.complete = summary.missing.length === 0;
    writeSummary(summary, listener.stats(), write);
    return summary;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'demo clean-up step failed'));
    }
    write('• stopped the worker, the listener, the simulator and the Kafka broker');
  }
}

interface PlannedCommand {
  description: string;
  commandId: string;
  actionType?: string;
  vmName?: string;
  /** VIM id of the VM, which its success events carry in vm_source. */
  vmid?: string;
  expectedStatus?: string;
  expectedEvents: string[];
}

function planCommands(simulator: RunningSimulator): PlannedCommand[] {
  const vms = simulator.inventory.listVms();
  const running = vms.filter((vm) => vm.state === 'running');
  const stopped = vms.find((vm) => vm.state === 'stopped');
  if (running.length < 2 || !stopped) {
    throw new Error('the simulator inventory needs at least two running VMs and one stopped VM for the demo');
  }
  const id = (name: string) => `demo-${name}-${Date.now().toString(36)}`;
  return [
    { description: `STOP ${running[0]!.name}`, commandId: id('stop'), actionType: 'STOP', vmName: running[0]!.name, vmid: running[0]!.vmid, expectedStatus: 'ACCEPTED', expectedEvents: ['VM_STOPPED'] },
    { description: `START ${stopped.name}`, commandId: id('start'), actionType: 'START', vmName: stopped.name, vmid: stopped.vmid, expectedStatus: 'ACCEPTED', expectedEvents: ['VM_STARTED', 'VM_ALIVE'] },
    { description: `REBOOT ${running[1]!.name}`, commandId: id('reboot'), actionType: 'REBOOT', vmName: running[1]!.name, vmid: running[1]!.vmid, expectedStatus: 'ACCEPTED', expectedEvents: ['VM_REBOOTED', 'VM_ALIVE'] },
    { description: 'STOP of a VM ESC does not know', commandId: id('unknown'), actionType: 'STOP', vmName: 'no-such-dep_X_0_00000000-0000-0000-0000-000000000000', expectedStatus: 'REJECTED', expectedEvents: [] },
    { description: 'REBOOT with an unsafe VM name (never sent to ESC)', commandId: id('invalid'), actionType: 'REBOOT', vmName: 'vm</vmName><force>true', expectedStatus: 'INVALID', expectedEvents: [] },
    { description: 'a malformed record (JSON, not Avro)', commandId: id('malformed'), expectedEvents: [] },
  ];
}

function expectationsFor(plan: PlannedCommand[], topics: { events: string; results: string; deadLetter: string }): Expectation[] {
  const expectations: Expectation[] = [];
  for (const step of plan) {
    if (step.expectedStatus) {
      expectations.push({
        label: `${step.expectedStatus} result for ${step.description}`,
        met: false,
        matches: (topic, value) =>
          topic === topics.results && (value as VmActionResultRecord).commandId === step.commandId && (value as VmActionResultRecord).status === step.expectedStatus,
      });
    } else {
      expectations.push({ label: `dead letter for ${step.description}`, met: false, matches: (topic) => topic === topics.deadLetter });
    }
    for (const eventType of step.expectedEvents) {
      expectations.push({
        label: `${eventType} event for ${step.vmName}`,
        met: false,
        matches: (topic, value) =>
          topic === topics.events &&
          (value as EscEventRecord).eventType === eventType &&
          (value as EscEventRecord).status === 'SUCCESS' &&
          (value as EscEventRecord).vmSource?.vmid === step.vmid,
      });
    }
  }
  return expectations;
}

/** Returns the decoded value, or for a dead letter its reason, error code and raw value. */
function briefRecord(json: RecordJson): unknown {
  const reason = json.headers.dlq_reason;
  if (reason === undefined) {
    return json.value;
  }
  return { errorCode: json.headers.dlq_error_code, reason, component: json.headers.dlq_component, rawValue: json.value };
}

function count(summary: DemoSummary, topic: string, value: unknown, topics: { events: string; results: string; deadLetter: string }): void {
  if (topic === topics.events) {
    const type = (value as EscEventRecord).eventType;
    summary.eventsByType[type] = (summary.eventsByType[type] ?? 0) + 1;
  } else if (topic === topics.results) {
    const status = (value as VmActionResultRecord).status;
    summary.resultsByStatus[status] = (summary.resultsByStatus[status] ?? 0) + 1;
  } else if (topic === topics.deadLetter) {
    summary.deadLetters += 1;
  }
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  const total = entries.reduce((sum, [, value]) => sum + value, 0);
  return entries.length === 0 ? '0' : `${total} (${entries.map(([name, value]) => `${name} ${value}`).join(', ')})`;
}

function writeSummary(summary: DemoSummary, listenerStats: { notificationsReceived: number; eventsProduced: number; deadLettersProduced: number }, write: (line: string) => void): void {
  write('');
  write('Summary');
  write(`  events produced:    ${formatCounts(summary.eventsByType)}`);
  write(`  results by status:  ${formatCounts(summary.resultsByStatus)}`);
  write(`  dead letters:       ${summary.deadLetters}`);
  write(`  listener:           ${listenerStats.notificationsReceived} notifications received, ${listenerStats.eventsProduced} events produced, ${listenerStats.deadLettersProduced} dead letters`);
  if (summary.complete) {
    write('  every expected event, result and dead letter arrived');
  } else {
    write(`  MISSING: ${summary.missing.join('; ')}`);
  }
}
