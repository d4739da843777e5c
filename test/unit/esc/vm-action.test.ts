import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseXml, type XmlElement } from '../../../functions/common/xml.js';
import {
  buildVmActionOperation,
  computeEventId,
  parseEscEventNotification,
  toEscEventRecord,
  validateVmActionCommand,
  VmActionError,
  type VmActionCommandRecord,
  type VmActionForm,
} from '../../../functions/esc/index.js';
import { fixturePath } from '../../helpers/paths.js';

const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** Reduces an element to name, namespace, trimmed text and children, ignoring layout whitespace. */
function tree(element: XmlElement): unknown {
  return {
    name: element.localName,
    namespace: element.namespace,
    text: element.children.length === 0 ? element.text.trim() : '',
    children: element.children.map(tree),
  };
}

function wrapInRpc(operation: string, messageId: string): string {
  return `<rpc message-id="${messageId}" xmlns="${BASE_NS}">${operation}</rpc>`;
}

describe('buildVmActionOperation', () => {
  it('builds the edit-config form with force like the sample request', () => {
    const operation = buildVmActionOperation(
      { actionType: 'STOP', vmName: 'fw-edge-dep_FW_0_b678affe-2ec1-4c0b-8d48-98a08c075ae4', force: true },
      { form: 'editconfig' },
    );
    const expected = parseXml(readFileSync(fixturePath('rpc-vmaction-stop-editconfig-force.xml')));
    assert.deepEqual(tree(parseXml(wrapInRpc(operation, '101'))), tree(expected));
  });

  it('builds the plain RPC form without force like the sample request', () => {
    const operation = buildVmActionOperation(
      { actionType: 'REBOOT', vmName: 'cache-dep_cache_0_12f32416-9f6e-47ee-91de-24619ec513e7', force: null },
      { form: 'rpc' },
    );
    const expected = parseXml(readFileSync(fixturePath('rpc-vmaction-reboot-plain-rpc.xml')));
    assert.deepEqual(tree(parseXml(wrapInRpc(operation, '102'))), tree(expected));
  });

  it('writes force false when force is false', () => {
    const operation = buildVmActionOperation({ actionType: 'START', vmName: 'a', force: false }, { form: 'rpc' });
    assert.match(operation, /<force>false<\/force>/);
  });

  it('leaves force out when force is null', () => {
    const operation = buildVmActionOperation({ actionType: 'START', vmName: 'a', force: null }, { form: 'editconfig' });
    assert.doesNotMatch(operation, /force/);
  });

  it('escapes markup characters in every value', () => {
    const operation = buildVmActionOperation(
      { actionType: 'STOP"&', vmName: `a<b>&c"d'e`, force: null },
      { form: 'rpc', namespace: 'urn:x?a=1&b="2"' },
    );
    assert.equal(
      operation,
      '<vmAction xmlns="urn:x?a=1&amp;b=&quot;2&quot;"><actionType>STOP&quot;&amp;</actionType>' +
        '<vmName>a&lt;b&gt;&amp;c&quot;d&apos;e</vmName></vmAction>',
    );
    const parsed = parseXml(operation);
    assert.equal(parsed.namespace, 'urn:x?a=1&b="2"');
    assert.equal(parsed.children[1]!.text, `a<b>&c"d'e`);
  });

  it('uses a configured namespace', () => {
    const parsed = parseXml(buildVmActionOperation({ actionType: 'STOP', vmName: 'a', force: null }, { form: 'rpc', namespace: 'urn:esc:test' }));
    assert.equal(parsed.namespace, 'urn:esc:test');
  });

  it('rejects an unknown form', () => {
    assert.throws(
      () => buildVmActionOperation({ actionType: 'STOP', vmName: 'a', force: null }, { form: 'soap' as VmActionForm }),
      (error: unknown) => error instanceof VmActionError && /form "soap" is not supported/.test(error.message),
    );
  });
});

function command(overrides: Partial<VmActionCommandRecord>): VmActionCommandRecord {
  return {
    commandId: 'c-1',
    actionType: 'STOP',
    vmName: 'fw-edge-dep_FW_0_b678affe-2ec1-4c0b-8d48-98a08c075ae4',
    force: null,
    escHost: null,
    requestedBy: null,
    requestedAt: null,
    expiresAt: null,
    ...overrides,
  };
}

describe('validateVmActionCommand', () => {
  const valid: Array<[string, Partial<VmActionCommandRecord>]> = [
    ['2.2+ VM name', {}],
    ['1.x VM name', { vmName: 'VROUTER_SVC__417__acme-core-lab__acme-core-labrtr-depVROUTER_SVC2.4__0__RTR__0' }],
    ['START with force false', { actionType: 'START', force: false }],
    ['REBOOT with force true', { actionType: 'REBOOT', force: true }],
    ['ENABLE_MONITOR', { actionType: 'ENABLE_MONITOR' }],
    ['DISABLE_MONITOR', { actionType: 'DISABLE_MONITOR' }],
  ];
  for (const [label, overrides] of valid) {
    it(`accepts ${label}`, () => {
      assert.deepEqual(validateVmActionCommand(command(overrides)), []);
    });
  }

  const invalid: Array<[string, Partial<VmActionCommandRecord>, RegExp]> = [
    ['unknown action', { actionType: 'DESTROY' }, /actionType "DESTROY" is not supported; use one of START, STOP, REBOOT/],
    ['lower-case action', { actionType: 'stop' }, /actionType "stop" is not supported/],
    ['empty vmName', { vmName: '' }, /vmName is missing or empty/],
    ['missing vmName', { vmName: undefined as unknown as string }, /vmName is missing or empty/],
    ['too long vmName', { vmName: 'a'.repeat(256) }, /vmName is 256 characters long, over the maximum of 255/],
    ['vmName with a space', { vmName: 'a b' }, /invalid character U\+0020 at index 1/],
    ['vmName with a newline', { vmName: 'ab\n' }, /invalid character U\+000A at index 2/],
    ['vmName with a control character', { vmName: 'a\u0000' }, /invalid character U\+0000/],
    ['vmName with <', { vmName: 'a<b' }, /invalid character U\+003C/],
    ['vmName with &', { vmName: 'a&b' }, /invalid character U\+0026/],
    ['vmName with a double quote', { vmName: 'a"b' }, /invalid character U\+0022/],
    ['vmName with a single quote', { vmName: "a'b" }, /invalid character U\+0027/],
    ['vmName starting with a dash', { vmName: '-rf' }, /does not match the VM name pattern/],
    ['vmName with a slash', { vmName: 'a/b' }, /does not match the VM name pattern/],
    ['empty commandId', { commandId: ' ' }, /commandId is missing or empty/],
    ['non-boolean force', { force: 'yes' as unknown as boolean }, /force "yes" is invalid/],
  ];
  for (const [label, overrides, expected] of invalid) {
    it(`rejects ${label}`, () => {
      const problems = validateVmActionCommand(command(overrides));
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0]!, expected);
    });
  }

  it('reports several problems at once', () => {
    assert.equal(validateVmActionCommand(command({ actionType: 'X', vmName: '' })).length, 2);
  });

  it('applies a custom pattern after the safety checks', () => {
    const options = { vmNamePattern: /^vm-\d+$/ };
    assert.deepEqual(validateVmActionCommand(command({ vmName: 'vm-12' }), options), []);
    assert.match(validateVmActionCommand(command({ vmName: 'vm-x' }), options)[0]!, /does not match the VM name pattern \/\^vm-\\d\+\$\//);
    assert.match(validateVmActionCommand(command({ vmName: 'vm 1' }), { vmNamePattern: /.*/ })[0]!, /invalid character U\+0020/);
  });
});

describe('toEscEventRecord', () => {
  const xml = readFileSync(fixturePath('notification-vm-stopped-success.xml'), 'utf8');

  it('adds escHost and receivedAt and a version 8 UUID', () => {
    const record = toEscEventRecord(parseEscEventNotification(xml), { escHost: 'esc-a', receivedAt: 1700000000000 });
    assert.equal(record.escHost, 'esc-a');
    assert.equal(record.receivedAt, 1700000000000);
    assert.equal(record.eventType, 'VM_STOPPED');
    assert.match(record.eventId, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives the same id regardless of host, arrival time and layout', () => {
    const first = toEscEventRecord(parseEscEventNotification(xml), { escHost: 'esc-a', receivedAt: 1 });
    const reformatted = xml.replace(/\n\s*/g, '').replace('<?xml version="1.0" encoding="UTF-8"?>', '');
    const second = toEscEventRecord(parseEscEventNotification(reformatted), { escHost: 'esc-b', receivedAt: 2 });
    assert.equal(first.eventId, second.eventId);
  });

  it('gives a different id when the content differs', () => {
    const fields = parseEscEventNotification(xml);
    const other = parseEscEventNotification(xml.replace('14:07:51.318', '14:07:51.319'));
    assert.notEqual(computeEventId(fields), computeEventId(other));
    assert.notEqual(computeEventId(fields), computeEventId({ ...fields, status: 'FAILURE' }));
  });

  it('ignores the order of object keys', () => {
    const fields = parseEscEventNotification(xml);
    const reversed = Object.fromEntries(Object.entries(fields).reverse()) as typeof fields;
    assert.equal(computeEventId(reversed), computeEventId(fields));
  });
});
