import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_INVENTORY_SEED, Inventory, InventoryError } from '../../../functions/simulator/inventory.js';

describe('Inventory.fromSeed', () => {
  it('seeds 2 tenants, 3 deployments and 6 VMs by default', () => {
    const vms = Inventory.fromSeed().listVms();
    assert.equal(vms.length, 6);
    assert.equal(new Set(vms.map((vm) => vm.tenant)).size, 2);
    assert.equal(new Set(vms.map((vm) => vm.depname)).size, 3);
    assert.equal(vms.filter((vm) => vm.state === 'stopped').length, 1);
  });

  it('names VMs <dep>_<group>_<index>_<uuid>', () => {
    const vm = Inventory.fromSeed().listVms()[0]!;
    assert.match(vm.name, /^fw-edge-dep_FW_0_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(vm.vmid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(vm.hostid, /^[0-9a-f]{56}$/);
    assert.notEqual(vm.vmid, vm.name.slice(-36));
  });

  it('derives the same ids on every run', () => {
    const first = Inventory.fromSeed(DEFAULT_INVENTORY_SEED).listVms();
    const second = Inventory.fromSeed(DEFAULT_INVENTORY_SEED).listVms();
    assert.deepEqual(first.map((vm) => [vm.name, vm.vmid, vm.depid]), second.map((vm) => [vm.name, vm.vmid, vm.depid]));
  });

  it('rejects an invalid seed with the field path', () => {
    const seed = { tenants: [{ name: 't', deployments: [{ name: 'd', vmGroups: [{ name: 'g', vms: [{ state: 'paused' }] }] }] }] };
    assert.throws(() => Inventory.fromSeed(seed as never), (error: InventoryError) => {
      assert.equal(error.code, 'SIMULATOR_INVENTORY_INVALID');
      assert.match(error.message, /tenants\.0\.deployments\.0\.vmGroups\.0\.vms\.0\.state/);
      return true;
    });
  });

  it('rejects duplicate VM names', () => {
    const seed = { tenants: [{ name: 't', deployments: [{ name: 'd', vmGroups: [{ name: 'g', vms: [{ name: 'x' }, { name: 'x' }] }] }] }] };
    assert.throws(() => Inventory.fromSeed(seed), /VM name "x" twice/);
  });
});

describe('Inventory.fromFile', () => {
  it('loads a JSON file with explicit ids', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'inventory-'));
    try {
      const file = path.join(directory, 'inventory.json');
      await writeFile(file, JSON.stringify({
        tenants: [{ name: 'lab', deployments: [{ name: 'dep', depid: 'd-1', vmGroups: [{ name: 'G', vms: [{ name: 'vm-a', vmid: 'v-1', hostid: 'h-1', state: 'stopped', monitored: false }] }] }] }],
      }));
      const vm = (await Inventory.fromFile(file)).findVm('vm-a');
      assert.deepEqual(vm, {
        name: 'vm-a', vmid: 'v-1', hostid: 'h-1', tenant: 'lab', depname: 'dep', depid: 'd-1', vmGroup: 'G', state: 'stopped', monitored: false,
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('names the file when the JSON is invalid', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'inventory-'));
    try {
      const file = path.join(directory, 'broken.json');
      await writeFile(file, '{ "tenants": [');
      await assert.rejects(Inventory.fromFile(file), new RegExp(`Inventory file ${file} is not valid JSON`));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('Inventory actions', () => {
  function runningAndStopped(): { inventory: Inventory; running: string; stopped: string } {
    const inventory = Inventory.fromSeed();
    const vms = inventory.listVms();
    return {
      inventory,
      running: vms.find((vm) => vm.state === 'running')!.name,
      stopped: vms.find((vm) => vm.state === 'stopped')!.name,
    };
  }

  it('stops a running VM', () => {
    const { inventory, running } = runningAndStopped();
    inventory.applyAction(running, 'STOP');
    assert.equal(inventory.findVm(running)!.state, 'stopped');
  });

  it('starts a stopped VM', () => {
    const { inventory, stopped } = runningAndStopped();
    inventory.applyAction(stopped, 'START');
    assert.equal(inventory.findVm(stopped)!.state, 'running');
  });

  it('rejects STOP of a stopped VM', () => {
    const { inventory, stopped } = runningAndStopped();
    const check = inventory.checkAction(stopped, 'STOP');
    assert.equal(check.ok, false);
    assert.equal(check.ok ? undefined : check.reason, 'invalid-state');
    assert.throws(() => inventory.applyAction(stopped, 'STOP'), /already stopped/);
  });

  it('rejects START of a running VM', () => {
    const { inventory, running } = runningAndStopped();
    assert.throws(() => inventory.applyAction(running, 'START'), /already running/);
  });

  it('rejects REBOOT of a stopped VM', () => {
    const { inventory, stopped } = runningAndStopped();
    assert.throws(() => inventory.applyAction(stopped, 'REBOOT'), /is stopped, REBOOT/);
  });

  it('keeps a rebooted VM running', () => {
    const { inventory, running } = runningAndStopped();
    inventory.applyAction(running, 'REBOOT');
    assert.equal(inventory.findVm(running)!.state, 'running');
  });

  it('toggles monitoring', () => {
    const { inventory, running } = runningAndStopped();
    inventory.applyAction(running, 'DISABLE_MONITOR');
    assert.equal(inventory.findVm(running)!.monitored, false);
    inventory.applyAction(running, 'ENABLE_MONITOR');
    assert.equal(inventory.findVm(running)!.monitored, true);
  });

  it('reports an unknown VM by name', () => {
    const check = Inventory.fromSeed().checkAction('ghost-vm', 'STOP');
    assert.deepEqual(check, { ok: false, reason: 'unknown-vm', message: 'VM [ghost-vm] does not exist' });
  });
});
