import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstChild, parseXml, type XmlElement } from '../../../functions/common/xml.js';
import { Inventory } from '../../../functions/simulator/inventory.js';
import {
  ESC_NAMESPACE,
  NOTIFICATION_NAMESPACE,
  buildEventNotification,
  failureSequence,
  formatEventTime,
  successSequence,
} from '../../../functions/simulator/notifications.js';
import { fixturePath } from '../../helpers/paths.js';

function escEvent(xml: string): XmlElement {
  const root = parseXml(xml);
  assert.equal(root.localName, 'notification');
  assert.equal(root.namespace, NOTIFICATION_NAMESPACE);
  const event = firstChild(root, 'escEvent', ESC_NAMESPACE);
  assert.ok(event, 'escEvent element missing');
  return event;
}

function childNames(element: XmlElement): string[] {
  return element.children.map((child) => child.localName);
}

function leaf(element: XmlElement, name: string): string | undefined {
  return firstChild(element, name, ESC_NAMESPACE)?.text.trim();
}

const vm = Inventory.fromSeed().listVms()[0]!;

describe('buildEventNotification', () => {
  it('orders elements like the VM_STOPPED fixture', () => {
    const fixture = escEvent(readFileSync(fixturePath('notification-vm-stopped-success.xml'), 'utf8'));
    const built = escEvent(buildEventNotification(successSequence(vm, 'STOP')[0]!.event));
    assert.deepEqual(childNames(built), childNames(fixture));
  });

  it('orders FAILURE elements like the fixture', () => {
    const fixture = escEvent(readFileSync(fixturePath('notification-vm-stopped-failure-service-group.xml'), 'utf8'));
    const built = escEvent(buildEventNotification(failureSequence(vm, 'STOP')[0]!.event));
    assert.deepEqual(childNames(built), childNames(fixture));
    assert.equal(leaf(built, 'status'), 'FAILURE');
    assert.equal(leaf(built, 'status_message'), 'Service group suspension failed');
    assert.equal(firstChild(built, 'vm_source', ESC_NAMESPACE)!.children.length, 0);
  });

  it('fills the VM fields from the inventory', () => {
    const built = escEvent(buildEventNotification(successSequence(vm, 'STOP')[0]!.event));
    assert.equal(leaf(built, 'status'), 'SUCCESS');
    assert.equal(leaf(built, 'depname'), vm.depname);
    assert.equal(leaf(built, 'tenant'), vm.tenant);
    assert.equal(leaf(built, 'svcid'), 'NULL');
    assert.equal(leaf(built, 'depid'), vm.depid);
    assert.equal(leaf(built, 'vm_group'), vm.vmGroup);
    const source = firstChild(built, 'vm_source', ESC_NAMESPACE)!;
    assert.equal(leaf(source, 'vmid'), vm.vmid);
    assert.equal(leaf(source, 'hostid'), vm.hostid);
    const event = firstChild(built, 'event', ESC_NAMESPACE)!;
    assert.equal(leaf(event, 'type'), 'VM_STOPPED');
  });

  it('writes an empty vm_target holding whitespace', () => {
    const xml = buildEventNotification(successSequence(vm, 'STOP')[0]!.event);
    assert.match(xml, /<vm_target>\s+<\/vm_target>/);
    assert.equal(firstChild(escEvent(xml), 'vm_target', ESC_NAMESPACE)!.children.length, 0);
  });

  it('starts with an XML declaration', () => {
    const xml = buildEventNotification({ type: 'VM_ALIVE', statusMessage: 'x' });
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<notification'));
  });

  it('escapes text', () => {
    const built = escEvent(buildEventNotification({ type: 'VM_ALIVE', statusMessage: 'a <b> & "c"', tenant: 't&t' }));
    assert.equal(leaf(built, 'status_message'), 'a <b> & "c"');
    assert.equal(leaf(built, 'tenant'), 't&t');
  });

  it('omits svcid when null', () => {
    const built = escEvent(buildEventNotification({ type: 'VM_ALIVE', statusMessage: 'x', svcid: null }));
    assert.equal(leaf(built, 'svcid'), undefined);
  });
});

describe('formatEventTime', () => {
  it('writes milliseconds and +00:00', () => {
    assert.equal(formatEventTime(new Date(Date.UTC(2016, 2, 2, 14, 7, 51, 318))), '2016-03-02T14:07:51.318+00:00');
  });
});

describe('successSequence', () => {
  it('follows START with VM_ALIVE after started', () => {
    const steps = successSequence(vm, 'START');
    assert.deepEqual(steps.map((step) => step.event.type), ['VM_STARTED', 'VM_ALIVE']);
    assert.deepEqual(steps.map((step) => step.afterAliveDelay), [false, true]);
    assert.equal(steps[1]!.event.statusMessage, `VM_Alive event received after started, VM ID: [${vm.name}]`);
  });

  it('follows REBOOT with VM_ALIVE after rebooted', () => {
    const steps = successSequence(vm, 'REBOOT');
    assert.deepEqual(steps.map((step) => step.event.type), ['VM_REBOOTED', 'VM_ALIVE']);
    assert.equal(steps[1]!.event.statusMessage, `VM_Alive event received after rebooted, VM ID: [${vm.name}]`);
  });

  it('maps monitor actions to VM_MONITOR_SET and VM_MONITOR_UNSET', () => {
    assert.deepEqual(successSequence(vm, 'ENABLE_MONITOR').map((step) => step.event.type), ['VM_MONITOR_SET']);
    const unset = successSequence(vm, 'DISABLE_MONITOR');
    assert.deepEqual(unset.map((step) => step.event.type), ['VM_MONITOR_UNSET']);
    assert.equal(unset[0]!.event.statusMessage, 'Unset Monitoring VM successfully.');
  });
});

describe('failureSequence', () => {
  it('sends VM start failed without vm_group', () => {
    const [step] = failureSequence(vm, 'START');
    assert.equal(step!.event.type, 'VM_STARTED');
    assert.equal(step!.event.status, 'FAILURE');
    assert.equal(step!.event.statusMessage, 'VM start failed');
    assert.equal(step!.event.vmGroup, undefined);
    assert.equal(step!.event.vmSource, undefined);
  });
});
