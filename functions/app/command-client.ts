import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../common/logger.js';
import type { VmActionCommandRecord, VmActionResultRecord } from '../esc/index.js';
import {
  CE_TYPE_PREFIX,
  CORRELATION_ID_HEADER,
  ReliableProducer,
  TopicReader,
  cloudEventHeaders,
  headerString,
} from '../kafka/index.js';
import type { SchemaSet } from '../schema/index.js';

export interface CommandRequest {
  actionType: string;
  vmName: string;
  force?: boolean | null;
  commandId?: string;
  requestedBy?: string;
  /** Time the command stays valid, in ms; 0 means it never expires. @default 300000 */
  ttlMs?: number;
  escHost?: string | null;
}

export interface SentCommand {
  command: VmActionCommandRecord;
  /** Epoch ms when Kafka acknowledged the command. */
  sentAt: number;
}

export interface ReceivedResult {
  result: VmActionResultRecord;
  /** Epoch ms when this client read the result. */
  receivedAt: number;
}

/** Times out a wait for a command's result. */
export class ResultTimeoutError extends Error {
  constructor(readonly commandId: string, readonly waitedMs: number) {
    super(`no result for command ${commandId} within ${waitedMs} ms; is a worker running (esc-bridge work)?`);
    this.name = 'ResultTimeoutError';
  }
}

/**
 * Publishes VmActionCommand records and waits for their correlated results, the way an
 * operator's tool or an application would. Results are matched by `commandId`.
 */
export class CommandClient {
  private readonly producer: ReliableProducer;
  private readonly reader: TopicReader;
  private readonly results = new Map<string, ReceivedResult>();
  private readonly waiters = new Map<string, (received: ReceivedResult) => void>();

  constructor(
    private readonly options: {
      kafka: Kafka;
      schemas: SchemaSet;
      commandsTopic: string;
      resultsTopic: string;
      logger: Logger;
    },
  ) {
    this.producer = new ReliableProducer(options.kafka, options.logger);
    this.reader = new TopicReader({
      kafka: options.kafka,
      topics: [options.resultsTopic],
      fromBeginning: false,
      logger: options.logger,
      onMessage: (_topic, _partition, message) => {
        if (!message.value) {
          return;
        }
        const commandId = headerString(message.headers, 'ce_commandid') ?? headerString(message.headers, CORRELATION_ID_HEADER);
        if (commandId !== undefined && !this.waiters.has(commandId)) {
          return;
        }
        const result = this.options.schemas.decode<VmActionResultRecord>('VmActionResult', message.value);
        const received = { result, receivedAt: Date.now() };
        this.results.set(result.commandId, received);
        this.waiters.get(result.commandId)?.(received);
      },
    });
  }

  /** Connects and starts reading results; results written before this resolves are not seen. */
  async start(): Promise<void> {
    await this.producer.connect();
    await this.reader.start();
  }

  /** Publishes one command, keyed by VM name, with the commandId as correlation header. */
  async send(request: CommandRequest): Promise<SentCommand> {
    const now = Date.now();
    const ttlMs = request.ttlMs ?? 300_000;
    const command: VmActionCommandRecord = {
      commandId: request.commandId ?? randomUUID(),
      actionType: request.actionType,
      vmName: request.vmName,
      force: request.force ?? null,
      escHost: request.escHost ?? null,
      requestedBy: request.requestedBy ?? `${os.userInfo().username}@${os.hostname()}`,
      requestedAt: now,
      expiresAt: ttlMs > 0 ? now + ttlMs : null,
    };
    // Registered before sending, so a fast result cannot arrive before anyone waits for it.
    this.waiters.set(command.commandId, () => {});
    await this.sendRaw(command.vmName, this.options.schemas.encode('VmActionCommand', command), command.commandId);
    return { command, sentAt: Date.now() };
  }

  /** Publishes arbitrary bytes to the commands topic (for example a malformed record in the demo). */
  async sendRaw(key: string, value: Buffer, commandId: string = randomUUID()): Promise<void> {
    const headers = cloudEventHeaders({
      id: commandId,
      source: `esc-bridge/cli/${os.hostname()}`,
      type: `${CE_TYPE_PREFIX}.vmAction.command`,
      time: Date.now(),
      subject: key,
      extensions: { commandid: commandId },
    });
    headers[CORRELATION_ID_HEADER] = commandId;
    await this.producer.send([{ topic: this.options.commandsTopic, messages: [{ key, value, headers }] }]);
  }

  /** Resolves with the result of `commandId`, or rejects with ResultTimeoutError. */
  waitForResult(commandId: string, timeoutMs: number): Promise<ReceivedResult> {
    const known = this.results.get(commandId);
    if (known) {
      return Promise.resolve(known);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(commandId);
        reject(new ResultTimeoutError(commandId, timeoutMs));
      }, timeoutMs);
      this.waiters.set(commandId, (received) => {
        clearTimeout(timer);
        this.waiters.delete(commandId);
        resolve(received);
      });
    });
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    await this.producer.disconnect();
  }
}
