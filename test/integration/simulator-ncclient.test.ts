import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadHostKey, startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';
import { repositoryRoot } from '../helpers/paths.js';

const PYTHON = '/usr/bin/python3';
const PROBE = path.join(repositoryRoot, 'test', 'peers', 'ncclient_probe.py');

interface ProbeEvent {
  type: string;
  status: string;
  statusMessage: string;
  vmid: string;
  eventTime: string;
}

interface ProbeResult {
  error?: string;
  wrongHostKeyRejected: boolean;
  capabilities: string[];
  subscriberSessionId: string;
  workerSessionId: string;
  chunkedFraming: boolean;
  subscribeOk: boolean;
  getAfterSubscribe: { tag: string | null };
  stopOk: boolean;
  rebootOk: boolean;
  unknownVm: { tag: string | null; type?: string; message?: string };
  events: ProbeEvent[];
}

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) {
        code = typeof error.code === 'number' ? error.code : 1;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

async function assertNcclientInstalled(): Promise<void> {
  const check = await runPython(['-c', 'import ncclient']);
  assert.equal(check.code, 0, `python3-ncclient is required for this test: "import ncclient" failed with ${PYTHON} (install the Debian package python3-ncclient). ${check.stderr}`);
}

async function runProbe(simulator: RunningSimulator, directory: string): Promise<ProbeResult> {
  const knownHosts = path.join(directory, 'known_hosts');
  const wrongKnownHosts = path.join(directory, 'wrong_known_hosts');
  const hostPattern = `[${simulator.host}]:${simulator.port}`;
  await writeFile(knownHosts, `${hostPattern} ${simulator.hostPublicKey}\n`);
  await writeFile(wrongKnownHosts, `${hostPattern} ${loadHostKey().publicKeyLine}\n`);

  const vms = simulator.inventory.listVms().filter((vm) => vm.state === 'running');
  const config = {
    host: simulator.host,
    port: simulator.port,
    username: simulator.username,
    password: simulator.password,
    known_hosts: knownHosts,
    wrong_known_hosts: wrongKnownHosts,
    stop_vm: vms[0]!.name,
    reboot_vm: vms[1]!.name,
    unknown_vm: 'no-such-dep_X_0_00000000-0000-4000-a000-000000000000',
  };
  const run = await runPython([PROBE, JSON.stringify(config)]);
  assert.equal(run.code, 0, `ncclient probe exited with ${run.code}: ${run.stderr}\n${run.stdout}`);
  return JSON.parse(run.stdout) as ProbeResult;
}

for (const baseVersions of [['1.0'], ['1.0', '1.1']] as const) {
  describe(`simulator with ncclient, base ${baseVersions.join('+')}`, () => {
    let simulator: RunningSimulator;
    let directory: string;
    let result: ProbeResult;

    before(async () => {
      await assertNcclientInstalled();
      directory = await mkdtemp(path.join(tmpdir(), 'simulator-ncclient-'));
      simulator = await startSimulator({ port: 0, baseVersions: [...baseVersions], password: 'probe-secret' });
      result = await runProbe(simulator, directory);
    });

    after(async () => {
      await simulator?.stop();
      if (directory !== undefined) {
        await rm(directory, { recursive: true, force: true });
      }
    });

    it('verifies the host key from known_hosts', () => {
      assert.equal(result.wrongHostKeyRejected, true);
    });

    it('negotiates the framing the base versions allow', () => {
      assert.equal(result.chunkedFraming, baseVersions.length === 2);
    });

    it('advertises notification without interleave', () => {
      assert.ok(result.capabilities.includes('urn:ietf:params:netconf:capability:notification:1.0'));
      assert.ok(!result.capabilities.some((capability) => capability.includes(':interleave')));
      assert.ok(result.capabilities.includes('http://www.cisco.com/esc/esc?module=esc&revision=2016-05-04'));
      assert.equal(result.capabilities.includes('urn:ietf:params:netconf:base:1.1'), baseVersions.length === 2);
    });

    it('gives each session a higher session id', () => {
      assert.ok(Number(result.workerSessionId) > Number(result.subscriberSessionId));
    });

    it('accepts the escEvent subscription', () => {
      assert.equal(result.subscribeOk, true);
    });

    it('rejects other rpcs on a subscribed session', () => {
      assert.equal(result.getAfterSubscribe.tag, 'operation-not-supported');
    });

    it('accepts edit-config STOP and plain REBOOT', () => {
      assert.equal(result.stopOk, true);
      assert.equal(result.rebootOk, true);
    });

    it('returns operation-failed for an unknown VM', () => {
      assert.equal(result.unknownVm.tag, 'operation-failed');
      assert.equal(result.unknownVm.type, 'application');
      assert.match(result.unknownVm.message ?? '', /no-such-dep_X_0_/);
    });

    it('delivers VM_STOPPED, VM_REBOOTED and VM_ALIVE', () => {
      const vms = simulator.inventory.listVms();
      const types = result.events.map((event) => event.type);
      assert.ok(types.includes('VM_STOPPED'), `events: ${types.join(', ')}`);
      assert.ok(types.includes('VM_REBOOTED'), `events: ${types.join(', ')}`);
      assert.ok(types.includes('VM_ALIVE'), `events: ${types.join(', ')}`);

      const stopped = result.events.find((event) => event.type === 'VM_STOPPED')!;
      assert.equal(stopped.status, 'SUCCESS');
      assert.equal(stopped.vmid, vms[0]!.vmid);
      const alive = result.events.find((event) => event.type === 'VM_ALIVE')!;
      assert.match(alive.statusMessage, /after rebooted, VM ID: \[/);
      assert.match(alive.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      assert.ok(types.indexOf('VM_REBOOTED') < types.indexOf('VM_ALIVE'));
    });

    it('applies STOP to the inventory', () => {
      assert.equal(simulator.inventory.listVms()[0]!.state, 'stopped');
    });
  });
}
