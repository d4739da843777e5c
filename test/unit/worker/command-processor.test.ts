import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../functions/common/logger.js';
import type { VmActionCommandRecord, VmActionResultRecord } from '../../../functions/esc/index.js';
import { loadSchemas } from '../../../functions/schema/index.js';
import { CommandProcessor, type CommandInput } from '../../../functions/worker/command-processor.js';
import type { ExecutionOutcome, VmAction, VmActionExecutor } from '../../../functions/worker/executor.js';

const schemas = loadSchemas();
const NOW = Date.parse('2026-12-04T12:00:00Z');
const VM = 'fw-edge-dep_FW_0_b678affe-2ec1-4c0b-8d48-98a08c075ae4';

class FakeExecutor implements VmActionExecutor {
  readonly calls: VmAction[] = [];
  constructor(private readonly outcome: ExecutionOutcome) {}
  async execute(action: VmAction): Promise<ExecutionOutcome> {
    this.calls.push(action);
    return this.outcome;
  }
  async close(): Promise<void> {}
}

const ACCEPTED: ExecutionOutcome = { kind: 'reply', ok: true, errors: [], messageId: '7', sessionId: '42' };

function command(overrides: Partial<VmActionCommandRecord> = {}): VmActionCommandRecord {
  return {
    commandId: 'cmd-1',
    actionType: 'STOP',
    vmName: VM,
    force: true,
    escHost: null,
    requestedBy: 'ops@example',
    requestedAt: NOW - 1000,
    expiresAt: NOW + 60_000,
    ...overrides,
  };
}

function input(record: VmActionCommandRecord | Buffer, headers: CommandInput['headers'] = {}): CommandInput {
  return {
    value: Buffer.isBuffer(record) ? record : schemas.encode('VmActionCommand', record),
    key: VM,
    headers,
    source: { topic: 'esc.commands', partition: 1, offset: '17' },
  };
}

function processor(executor: VmActionExecutor): CommandProcessor {
  return new CommandProcessor({
    schemas,
    executor,
    escHost: 'esc-1',
    resultsTopic: 'esc.command-results',
    deadLetterTopic: 'esc.dead-letter',
    workerId: 'worker-a',
    logger: silentLogger(),
    now: () => NOW,
  });
}

function decodedResult(outcome: { message: { value: Buffer | string | null } }): VmActionResultRecord {
  return schemas.decode<VmActionResultRecord>('VmActionResult', outcome.message.value as Buffer);
}

describe('CommandProcessor', () => {
  it('publishes ACCEPTED with the NETCONF ids when ESC answers ok', async () => {
    const executor = new FakeExecutor(ACCEPTED);
    const outcome = await processor(executor).process(input(command()));
    assert.equal(outcome.topic, 'esc.command-results');
    assert.equal(outcome.message.key, VM);
    const result = decodedResult(outcome);
    assert.equal(result.status, 'ACCEPTED');
    assert.equal(result.commandId, 'cmd-1');
    assert.equal(result.netconfMessageId, '7');
    assert.equal(result.netconfSessionId, '42');
    assert.equal(result.worker, 'worker-a');
    assert.equal(result.requestedBy, 'ops@example');
    assert.deepEqual(executor.calls, [{ actionType: 'STOP', vmName: VM, force: true }]);
  });

  it('publishes REJECTED with the rpc-error fields verbatim', async () => {
    const rpcError = {
      errorType: 'application',
      errorTag: 'operation-failed',
      errorSeverity: 'error',
      errorAppTag: null,
      errorPath: null,
      errorMessage: 'VM [x] not found',
      errorInfo: null,
    };
    const executor = new FakeExecutor({ kind: 'reply', ok: false, errors: [rpcError], messageId: '8', sessionId: '42' });
    const result = decodedResult(await processor(executor).process(input(command())));
    assert.equal(result.status, 'REJECTED');
    assert.deepEqual(result.rpcErrors, [rpcError]);
    assert.match(result.reason ?? '', /VM \[x\] not found/);
  });

  it('reports INVALID for an unknown action without calling ESC', async () => {
    const executor = new FakeExecutor(ACCEPTED);
    const result = decodedResult(await processor(executor).process(input(command({ actionType: 'DESTROY' }))));
    assert.equal(result.status, 'INVALID');
    assert.match(result.reason ?? '', /DESTROY/);
    assert.equal(executor.calls.length, 0);
  });

  it('reports INVALID for an unsafe vmName without calling ESC', async () => {
    const executor = new FakeExecutor(ACCEPTED);
    const result = decodedResult(await processor(executor).process(input(command({ vmName: 'a</vmName><x>' }))));
    assert.equal(result.status, 'INVALID');
    assert.equal(executor.calls.length, 0);
  });

  it('reports INVALID for a command addressed to another ESC', async () => {
    const executor = new FakeExecutor(ACCEPTED);
    const result = decodedResult(await processor(executor).process(input(command({ escHost: 'esc-2' }))));
    assert.equal(result.status, 'INVALID');
    assert.match(result.reason ?? '', /esc-2/);
    assert.equal(executor.calls.length, 0);
  });

  it('reports EXPIRED for a command past expiresAt without calling ESC', async () => {
    const executor = new FakeExecutor(ACCEPTED);
    const result = decodedResult(await processor(executor).process(input(command({ expiresAt: NOW - 5 }))));
    assert.equal(result.status, 'EXPIRED');
    assert.equal(result.mayHaveReachedEsc, false);
    assert.equal(executor.calls.length, 0);
  });

  it('reports FAILED, maybe run, after a reply timeout', async () => {
    const executor = new FakeExecutor({ kind: 'failed', reason: 'no reply within 30000 ms', mayHaveReachedEsc: true, sessionId: '42' });
    const result = decodedResult(await processor(executor).process(input(command())));
    assert.equal(result.status, 'FAILED');
    assert.equal(result.mayHaveReachedEsc, true);
    assert.match(result.reason ?? '', /may have run it/);
  });

  it('reports FAILED, not run, after a connect failure', async () => {
    const executor = new FakeExecutor({ kind: 'failed', reason: 'connection refused', mayHaveReachedEsc: false });
    const result = decodedResult(await processor(executor).process(input(command())));
    assert.equal(result.status, 'FAILED');
    assert.equal(result.mayHaveReachedEsc, false);
    assert.match(result.reason ?? '', /did not reach ESC/);
  });

  it('runs a command id once and repeats its result for a redelivery', async () => {
    const executor = new FakeExecutor(ACCEPTED);
    const worker = processor(executor);
    const first = decodedResult(await worker.process(input(command())));
    const second = decodedResult(await worker.process(input(command())));
    assert.equal(executor.calls.length, 1);
    assert.deepEqual(second, first);
  });

  it('echoes the correlation header and sets CloudEvents headers', async () => {
    const outcome = await processor(new FakeExecutor(ACCEPTED)).process(
      input(command(), { kafka_correlationId: Buffer.from([1, 2, 3, 250]) }),
    );
    const headers = outcome.message.headers ?? {};
    assert.deepEqual(headers.kafka_correlationId, Buffer.from([1, 2, 3, 250]));
    assert.equal(headers.ce_specversion, '1.0');
    assert.equal(headers.ce_subject, VM);
    assert.equal(headers.ce_commandid, 'cmd-1');
    assert.equal(headers.ce_resultstatus, 'ACCEPTED');
  });

  it('dead-letters undecodable bytes with the raw value and the source position', async () => {
    const raw = Buffer.from('not avro at all');
    const executor = new FakeExecutor(ACCEPTED);
    const outcome = await processor(executor).process(input(raw, { trace: 'abc' }));
    assert.equal(outcome.topic, 'esc.dead-letter');
    assert.equal(outcome.result, undefined);
    assert.deepEqual(outcome.message.value, raw);
    const headers = outcome.message.headers ?? {};
    assert.equal(headers.dlq_source_topic, 'esc.commands');
    assert.equal(headers.dlq_source_partition, '1');
    assert.equal(headers.dlq_source_offset, '17');
    assert.equal(headers.trace, 'abc');
    assert.ok(String(headers.dlq_error_code).startsWith('SCHEMA_'), String(headers.dlq_error_code));
    assert.equal(executor.calls.length, 0);
  });

  it('dead-letters a record without a value', async () => {
    const outcome = await processor(new FakeExecutor(ACCEPTED)).process({ ...input(command()), value: null });
    assert.equal(outcome.topic, 'esc.dead-letter');
    assert.match(String(outcome.message.headers?.dlq_reason), /no value/);
  });

  it('reports EXPIRED when the command expires while the worker connects', async () => {
    const executor = new FakeExecutor({ kind: 'expired', reason: 'command expired at X while the worker was connecting to ESC; it was not sent' });
    const result = decodedResult(await processor(executor).process(input(command())));
    assert.equal(result.status, 'EXPIRED');
    assert.equal(result.mayHaveReachedEsc, false);
    assert.match(result.reason ?? '', /while the worker was connecting/);
  });

  it('cuts very long rpc-error texts so the result stays publishable', async () => {
    const huge = 'x'.repeat(2_000_000);
    const rpcError = { errorType: 'application', errorTag: 'operation-failed', errorSeverity: 'error', errorAppTag: null, errorPath: null, errorMessage: huge, errorInfo: huge };
    const executor = new FakeExecutor({ kind: 'reply', ok: false, errors: [rpcError], messageId: '9', sessionId: '42' });
    const outcome = await processor(executor).process(input(command()));
    assert.ok((outcome.message.value as Buffer).length < 100_000, `result is ${(outcome.message.value as Buffer).length} bytes`);
    const result = decodedResult(outcome);
    assert.match(result.rpcErrors[0]!.errorInfo ?? '', /characters cut\]$/);
    assert.ok(result.rpcErrors[0]!.errorMessage!.startsWith('xxxx'));
  });
});
