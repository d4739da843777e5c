import type { IHeaders, Message } from 'kafkajs';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import {
  validateVmActionCommand,
  type RpcErrorRecord,
  type VmActionCommandRecord,
  type VmActionResultRecord,
} from '../esc/index.js';
import {
  AVRO_CONTENT_TYPE,
  CE_TYPE_PREFIX,
  CORRELATION_ID_HEADER,
  buildDeadLetterMessage,
  cloudEventHeaders,
} from '../kafka/index.js';
import type { SchemaSet } from '../schema/index.js';
import type { VmActionExecutor } from './executor.js';
import { RecentResults } from './recent-results.js';

/** A command record as it arrived, whatever delivered it (consumer group or Lambda event). */
export interface CommandInput {
  value: Buffer | null;
  key: Buffer | string | null;
  headers: IHeaders;
  source: { topic: string; partition: number; offset: string };
}

/** Record to publish for one command record: a result, or a dead letter. */
export interface CommandOutcome {
  topic: string;
  message: Message;
  /** The result, or undefined for a dead letter. */
  result?: VmActionResultRecord;
  /** Error code of a dead letter. */
  deadLetterCode?: string;
}

export interface CommandProcessorOptions {
  schemas: SchemaSet;
  executor: VmActionExecutor;
  /** ESC host this worker sends to; a command addressed to another host is INVALID. */
  escHost: string;
  resultsTopic: string;
  deadLetterTopic: string;
  workerId: string;
  /** Number of recent command ids this process remembers, so each runs at most once here. @default 10000 */
  dedupeSize?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The worker's core: decodes one command record, checks it, runs it on ESC through the
 * executor and returns the record to publish. Bad input does not make it throw: undecodable
 * bytes become a dead letter, an invalid or expired command an INVALID or EXPIRED result,
 * and a transport failure a FAILED result that states whether ESC may have run it.
 * A command id already handled by this processor is not run again; its earlier result is
 * returned again, so a redelivered record after a failed publish gets the same answer.
 */
export class CommandProcessor {
  private readonly recent: RecentResults<VmActionResultRecord>;
  private readonly now: () => number;

  constructor(private readonly options: CommandProcessorOptions) {
    this.recent = new RecentResults(options.dedupeSize ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  async process(input: CommandInput): Promise<CommandOutcome> {
    const receivedAt = this.now();
    const position = { topic: input.source.topic, partition: input.source.partition, offset: input.source.offset };
    const log = this.options.logger.child(position);

    let command: VmActionCommandRecord;
    try {
      if (input.value === null) {
        throw new Error('the record has no value (a tombstone), so there is no command to decode');
      }
      command = this.options.schemas.decode<VmActionCommandRecord>('VmActionCommand', input.value);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'SCHEMA_DECODE';
      log.warn({ errorCode: code, reason: describeError(error) }, 'command record could not be decoded, sending it to the dead-letter topic');
      return {
        topic: this.options.deadLetterTopic,
        deadLetterCode: code,
        message: buildDeadLetterMessage({
          rawValue: input.value,
          key: input.key,
          errorCode: code,
          reason: `VmActionCommand could not be decoded: ${describeError(error)}`,
          component: 'worker',
          source: position,
          contentType: 'application/octet-stream',
          originalHeaders: input.headers,
          failedAt: receivedAt,
        }),
      };
    }

    const commandLog = log.child({ commandId: command.commandId, actionType: command.actionType, vmName: command.vmName });
    const earlier = this.recent.get(command.commandId);
    if (earlier) {
      commandLog.warn({ status: earlier.status }, 'command id already handled, publishing its earlier result again without running it');
      return this.resultOutcome(earlier, input.headers);
    }

    const result = await this.decide(command, receivedAt, commandLog);
    this.recent.set(command.commandId, result);
    commandLog.info({ status: result.status, reason: result.reason }, 'command handled');
    return this.resultOutcome(result, input.headers);
  }

  private async decide(command: VmActionCommandRecord, receivedAt: number, log: Logger): Promise<VmActionResultRecord> {
    const problems = validateVmActionCommand(command);
    if (command.escHost !== null && command.escHost !== this.options.escHost) {
      problems.push(`escHost ${JSON.stringify(command.escHost)} is not the ESC this worker serves (${this.options.escHost}); publish it to that ESC's commands topic`);
    }
    if (problems.length > 0) {
      return this.result(command, receivedAt, { status: 'INVALID', reason: problems.join('; ') });
    }
    if (command.expiresAt !== null && command.expiresAt <= receivedAt) {
      const lateMs = receivedAt - command.expiresAt;
      return this.result(command, receivedAt, {
        status: 'EXPIRED',
        reason: `command expired at ${new Date(command.expiresAt).toISOString()}, ${lateMs} ms before the worker received it; it was not sent to ESC`,
      });
    }

    const outcome = await this.options.executor.execute(
      { actionType: command.actionType, vmName: command.vmName, force: command.force },
      log,
      { expiresAt: command.expiresAt },
    );
    if (outcome.kind === 'expired') {
      return this.result(command, receivedAt, { status: 'EXPIRED', reason: outcome.reason });
    }
    if (outcome.kind === 'failed') {
      return this.result(command, receivedAt, {
        status: 'FAILED',
        reason: outcome.mayHaveReachedEsc
          ? `${outcome.reason}; the request was sent and ESC may have run it, so it is not retried: check the VM state before sending a new command`
          : `${outcome.reason}; the request did not reach ESC`,
        mayHaveReachedEsc: outcome.mayHaveReachedEsc,
        netconfSessionId: outcome.sessionId ?? null,
        netconfMessageId: outcome.messageId ?? null,
      });
    }

    const errors = outcome.errors.filter((error) => error.errorSeverity !== 'warning');
    if (outcome.ok && errors.length === 0) {
      return this.result(command, receivedAt, {
        status: 'ACCEPTED',
        reason: 'ESC accepted the request; the outcome follows as escEvent notifications',
        rpcErrors: outcome.errors.map(limitRpcError),
        netconfSessionId: outcome.sessionId,
        netconfMessageId: outcome.messageId,
        mayHaveReachedEsc: true,
      });
    }
    const firstMessage = errors[0]?.errorMessage ?? errors[0]?.errorTag ?? 'no rpc-error details';
    return this.result(command, receivedAt, {
      status: 'REJECTED',
      reason: limitText(`ESC rejected the request: ${firstMessage}`),
      rpcErrors: outcome.errors.map(limitRpcError),
      netconfSessionId: outcome.sessionId,
      netconfMessageId: outcome.messageId,
      mayHaveReachedEsc: true,
    });
  }

  private result(
    command: VmActionCommandRecord,
    receivedAt: number,
    fields: {
      status: string;
      reason: string;
      rpcErrors?: RpcErrorRecord[];
      mayHaveReachedEsc?: boolean;
      netconfMessageId?: string | null;
      netconfSessionId?: string | null;
    },
  ): VmActionResultRecord {
    return {
      commandId: command.commandId,
      actionType: command.actionType,
      vmName: command.vmName,
      force: command.force,
      escHost: command.escHost,
      requestedBy: command.requestedBy,
      requestedAt: command.requestedAt,
      expiresAt: command.expiresAt,
      status: fields.status,
      reason: fields.reason,
      rpcErrors: fields.rpcErrors ?? [],
      mayHaveReachedEsc: fields.mayHaveReachedEsc ?? false,
      netconfMessageId: fields.netconfMessageId ?? null,
      netconfSessionId: fields.netconfSessionId ?? null,
      worker: this.options.workerId,
      receivedAt,
      completedAt: this.now(),
    };
  }

  private resultOutcome(result: VmActionResultRecord, requestHeaders: IHeaders): CommandOutcome {
    const headers = cloudEventHeaders({
      id: `${result.commandId}/result`,
      source: `esc-bridge/worker/${this.options.workerId}`,
      type: `${CE_TYPE_PREFIX}.vmAction.result`,
      time: result.completedAt,
      subject: result.vmName,
      contentType: AVRO_CONTENT_TYPE,
      extensions: { commandid: result.commandId, resultstatus: result.status },
    });
    const correlation = requestHeaders[CORRELATION_ID_HEADER];
    if (correlation !== undefined) {
      headers[CORRELATION_ID_HEADER] = correlation;
    }
    return {
      topic: this.options.resultsTopic,
      result,
      message: { key: result.vmName, value: this.options.schemas.encode('VmActionResult', result), headers },
    };
  }
}

/**
 * Largest text kept from ESC in one result field, in characters. A broker rejects a
 * record over its `message.max.bytes` (1 MiB by default), and a result that cannot be
 * published would leave only a dead letter behind.
 */
const MAX_TEXT_CHARACTERS = 16 * 1024;

function limitText(text: string): string;
function limitText(text: string | null): string | null;
function limitText(text: string | null): string | null {
  if (text === null || text.length <= MAX_TEXT_CHARACTERS) {
    return text;
  }
  return `${text.slice(0, MAX_TEXT_CHARACTERS)}…[${text.length - MAX_TEXT_CHARACTERS} characters cut]`;
}

function limitRpcError(error: RpcErrorRecord): RpcErrorRecord {
  return { ...error, errorMessage: limitText(error.errorMessage), errorInfo: limitText(error.errorInfo), errorPath: limitText(error.errorPath) };
}
