import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CommandClient } from '../../functions/app/command-client.js';
import type { BridgeRuntime } from '../../functions/app/runtime.js';
import type { EscEventRecord, VmActionResultRecord } from '../../functions/esc/index.js';
import { parseEscEventNotification } from '../../functions/esc/index.js';
import type { EscEventListener } from '../../functions/listener/listener.js';
import type { RunningSimulator } from '../../functions/simulator/index.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import type { CollectedRecord, RecordCollector } from '../helpers/kafka.js';
import { fixturePath } from '../helpers/paths.js';

describe('bridge on a real Kafka broker and the ESC simulator', () => {
  let bridge: TestBridge;
  let simulator: RunningSimulator;
  let runtime: BridgeRuntime;
  let listener: EscEventListener;
  let client: CommandClient;
  let collector: RecordCollector;

  before(async () => {
    bridge = await startTestBridge();
    ({ simulator, runtime, listener, client, collector } = bridge);
  });

  after(async () => {
    await bridge?.stop();
  });

  const topics = () => runtime.config.kafka.topics;
  const eventOf = (record: CollectedRecord) => runtime.schemas.decode<EscEventRecord>('EscEvent', record.message.value!);
  const header = (record: CollectedRecord, name: string) => record.message.headers?.[name]?.toString();

  it('turns one notification into exactly one EscEvent record with key and headers', async () => {
    const xml = readFileSync(fixturePath('notification-vm-recovery-complete-redeploy.xml'), 'utf8');
    const expected = parseEscEventNotification(xml);
    assert.equal(simulator.emitNotification(xml), 1);

    const isThisEvent = (record: CollectedRecord) =>
      record.topic === topics().events && eventOf(record).eventType === 'VM_RECOVERY_COMPLETE';
    const [record] = await collector.waitFor(isThisEvent);
    await listener.drain();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(collector.records.filter(isThisEvent).length, 1, 'exactly one record for one notification');

    const event = eventOf(record!);
    assert.equal(record!.message.key?.toString(), expected.depid);
    assert.equal(event.depid, '41d7ec10-2d23-4727-b73e-79fefd943af1');
    assert.equal(event.statusCode, '200');
    assert.equal(event.vmTarget?.interfaces.length, 2);
    assert.equal(event.escHost, simulator.host);
    assert.equal(header(record!, 'ce_specversion'), '1.0');
    assert.equal(header(record!, 'ce_id'), event.eventId);
    assert.equal(header(record!, 'ce_type'), 'io.github.esckafkabridge.escEvent.VM_RECOVERY_COMPLETE');
    assert.equal(header(record!, 'ce_subject'), expected.depid);
    assert.equal(header(record!, 'ce_time'), '2016-07-11T03:18:29.756Z');
    assert.equal(header(record!, 'content-type'), 'application/avro');
  });

  it('STOP of known VM: ACCEPTED, then VM_STOPPED', async () => {
    const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
    const sent = await client.send({ actionType: 'STOP', vmName: vm.name, force: true });
    const { result } = await client.waitForResult(sent.command.commandId, 20_000);
    assert.equal(result.status, 'ACCEPTED');
    assert.equal(result.vmName, vm.name);
    assert.equal(result.force, true);
    assert.ok(result.netconfMessageId);

    const [stopped] = await collector.waitFor(
      (record) => record.topic === topics().events && eventOf(record).eventType === 'VM_STOPPED' && eventOf(record).vmSource?.vmid === vm.vmid,
    );
    const event = eventOf(stopped!);
    assert.equal(event.status, 'SUCCESS');
    assert.equal(event.depname, vm.depname);
    assert.equal(stopped!.message.key?.toString(), vm.depid);
  });

  it('answers an unknown VM with REJECTED carrying the rpc-error', async () => {
    const sent = await client.send({ actionType: 'REBOOT', vmName: 'no-such-dep_X_0_11111111-2222-3333-4444-555555555555' });
    const { result } = await client.waitForResult(sent.command.commandId, 20_000);
    assert.equal(result.status, 'REJECTED');
    assert.equal(result.rpcErrors.length, 1);
    assert.equal(result.rpcErrors[0]!.errorTag, 'operation-failed');
    assert.equal(result.rpcErrors[0]!.errorType, 'application');
    assert.match(result.rpcErrors[0]!.errorMessage ?? '', /no-such-dep_X_0/);
  });

  it('sends a malformed command to the dead-letter topic and keeps working', async () => {
    const raw = Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]);
    await client.sendRaw('malformed-key', raw, 'malformed-1');
    const [deadLetter] = await collector.waitFor(
      (record) => record.topic === topics().deadLetter && header(record, 'dlq_component') === 'worker',
    );
    assert.deepEqual(deadLetter!.message.value, raw);
    assert.equal(deadLetter!.message.key?.toString(), 'malformed-key');
    assert.equal(header(deadLetter!, 'dlq_source_topic'), topics().commands);
    assert.equal(header(deadLetter!, 'kafka_correlationId'), 'malformed-1');
    assert.match(header(deadLetter!, 'dlq_reason') ?? '', /could not be decoded/);

    const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
    const sent = await client.send({ actionType: 'ENABLE_MONITOR', vmName: vm.name });
    const { result } = await client.waitForResult(sent.command.commandId, 20_000);
    assert.equal(result.status, 'ACCEPTED');
  });

  it('dead-letters an unparseable notification, keeps listening', async () => {
    const broken = '<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2016-03-02T14:07:51.318+00:00</eventTime><escEvent xmlns="http://www.cisco.com/esc/esc"><status>SUCCESS</status></escEvent></notification>';
    simulator.emitNotification(broken);
    const [deadLetter] = await collector.waitFor(
      (record) => record.topic === topics().deadLetter && header(record, 'dlq_component') === 'listener',
    );
    assert.equal(deadLetter!.message.value?.toString('utf8'), broken);
    assert.equal(header(deadLetter!, 'content-type'), 'application/xml');
    assert.match(header(deadLetter!, 'dlq_reason') ?? '', /type/);

    const xml = readFileSync(fixturePath('notification-create-tenant-minimal.xml'), 'utf8');
    simulator.emitNotification(xml);
    const [created] = await collector.waitFor((record) => record.topic === topics().events && eventOf(record).eventType === 'CREATE_TENANT');
    assert.equal(created!.message.key?.toString(), 'sandbox-tenant-3');
  });

  it('dead-letters a notification in the wrong namespace with its raw XML', async () => {
    const foreign = '<notification xmlns="urn:example:not-netconf"><eventTime>2016-03-02T14:07:51Z</eventTime></notification>';
    simulator.emitNotification(foreign);
    const [deadLetter] = await collector.waitFor(
      (record) => record.topic === topics().deadLetter && record.message.value?.toString('utf8') === foreign,
    );
    assert.equal(header(deadLetter!, 'dlq_error_code'), 'NETCONF_PROTOCOL');
    assert.match(header(deadLetter!, 'dlq_reason') ?? '', /urn:example:not-netconf/);
  });

  it('reports an expired command as EXPIRED without sending it to ESC', async () => {
    const rpcsBefore = simulator.stats().rpcs;
    const vm = simulator.inventory.listVms()[0]!;
    const sent = await client.send({ actionType: 'REBOOT', vmName: vm.name, ttlMs: 1 });
    const { result } = await client.waitForResult(sent.command.commandId, 20_000);
    assert.equal(result.status, 'EXPIRED');
    assert.equal(simulator.stats().rpcs, rpcsBefore);
  });

  it('echoes the correlation header on the result', async () => {
    const vm = simulator.inventory.listVms()[0]!;
    const sent = await client.send({ actionType: 'DISABLE_MONITOR', vmName: vm.name });
    await client.waitForResult(sent.command.commandId, 20_000);
    const [resultRecord] = await collector.waitFor(
      (record) => record.topic === topics().results && header(record, 'kafka_correlationId') === sent.command.commandId,
    );
    const result = runtime.schemas.decode<VmActionResultRecord>('VmActionResult', resultRecord!.message.value!);
    assert.equal(result.commandId, sent.command.commandId);
    assert.equal(resultRecord!.message.key?.toString(), vm.name);
  });
});
