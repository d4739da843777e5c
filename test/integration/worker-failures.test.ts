import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BridgeRuntime } from '../../functions/app/runtime.js';
import type { CommandClient } from '../../functions/app/command-client.js';
import type { EscEventRecord } from '../../functions/esc/index.js';
import type { RunningSimulator } from '../../functions/simulator/index.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import type { RecordCollector } from '../helpers/kafka.js';

describe('worker when ESC fails, over end-of-message framing', () => {
  let bridge: TestBridge;
  let simulator: RunningSimulator;
  let runtime: BridgeRuntime;
  let client: CommandClient;
  let collector: RecordCollector;

  before(async () => {
    bridge = await startTestBridge({ simulator: { aliveDelayMs: 10 }, env: { ESC_RPC_TIMEOUT_MS: '1500', ESC_VMACTION_FORM: 'rpc', ESC_NETCONF_BASE: '1.0' } });
    ({ simulator, runtime, client, collector } = bridge);
  });

  after(async () => {
    await bridge?.stop();
  });

  const runningVm = (index: number) => simulator.inventory.listVms().filter((vm) => vm.state === 'running')[index]!;

  it('accepts commands sent in the plain RPC form', async () => {
    const vm = runningVm(0);
    const sent = await client.send({ actionType: 'ENABLE_MONITOR', vmName: vm.name });
    const { result } = await client.waitForResult(sent.command.commandId, 20_000);
    assert.equal(result.status, 'ACCEPTED');
  });

  it('reports ACCEPTED and then the FAILURE event when ESC fails the action', async () => {
    const vm = runningVm(0);
    simulator.setFailure({ vmName: vm.name, actionType: 'STOP', mode: 'event-failure' });
    try {
      const sent = await client.send({ actionType: 'STOP', vmName: vm.name });
      const { result } = await client.waitForResult(sent.command.commandId, 20_000);
      assert.equal(result.status, 'ACCEPTED');
      const [record] = await collector.waitFor((candidate) => {
        if (candidate.topic !== runtime.config.kafka.topics.events) {
          return false;
        }
        const event = runtime.schemas.decode<EscEventRecord>('EscEvent', candidate.message.value!);
        return event.eventType === 'VM_STOPPED' && event.status === 'FAILURE' && event.depid === vm.depid;
      });
      const event = runtime.schemas.decode<EscEventRecord>('EscEvent', record!.message.value!);
      assert.equal(event.vmSource, null, 'a FAILURE event carries no VM identity');
      assert.equal(event.vmGroup, null);
    } finally {
      simulator.clearFailures();
    }
  });

  it('reports FAILED without retry on no reply', async () => {
    const vm = runningVm(1);
    simulator.setFailure({ vmName: vm.name, mode: 'no-reply' });
    try {
      const rpcsBefore = simulator.stats().rpcs;
      const sent = await client.send({ actionType: 'REBOOT', vmName: vm.name });
      const { result } = await client.waitForResult(sent.command.commandId, 20_000);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.mayHaveReachedEsc, true);
      assert.match(result.reason ?? '', /may have run it/);
      assert.equal(simulator.stats().rpcs, rpcsBefore + 1, 'the request was sent exactly once');
    } finally {
      simulator.clearFailures();
    }
  });

  it('reports FAILED when ESC drops the session, then works on a new session', async () => {
    const vm = runningVm(1);
    simulator.setFailure({ vmName: vm.name, mode: 'drop-session' });
    try {
      const sent = await client.send({ actionType: 'DISABLE_MONITOR', vmName: vm.name });
      const { result } = await client.waitForResult(sent.command.commandId, 20_000);
      assert.equal(result.status, 'FAILED');
      assert.equal(result.mayHaveReachedEsc, true);
    } finally {
      simulator.clearFailures();
    }

    const next = await client.send({ actionType: 'DISABLE_MONITOR', vmName: vm.name });
    const { result } = await client.waitForResult(next.command.commandId, 20_000);
    assert.equal(result.status, 'ACCEPTED');
  });

  it('reports REJECTED when ESC answers with an rpc-error', async () => {
    const vm = runningVm(0);
    simulator.setFailure({ vmName: vm.name, mode: 'rpc-error' });
    try {
      const sent = await client.send({ actionType: 'ENABLE_MONITOR', vmName: vm.name });
      const { result } = await client.waitForResult(sent.command.commandId, 20_000);
      assert.equal(result.status, 'REJECTED');
      assert.equal(result.rpcErrors[0]?.errorTag, 'operation-failed');
    } finally {
      simulator.clearFailures();
    }
  });
});
