import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { childrenNamed, firstChild, parseXml, type XmlElement } from '../../../functions/common/xml.js';
import { ESC_NAMESPACE } from '../../../functions/simulator/notifications.js';
import {
  BASE_NAMESPACE,
  buildErrorReply,
  buildOkReply,
  parseVmAction,
  rawRootAttributes,
} from '../../../functions/simulator/rpc.js';
import { fixturePath } from '../../helpers/paths.js';

function vmActionOf(rpc: XmlElement): XmlElement {
  const editConfig = firstChild(rpc, 'edit-config', BASE_NAMESPACE);
  if (editConfig !== undefined) {
    return firstChild(firstChild(editConfig, 'config', BASE_NAMESPACE)!, 'vmAction', ESC_NAMESPACE)!;
  }
  return firstChild(rpc, 'vmAction', ESC_NAMESPACE)!;
}

function vmAction(body: string): XmlElement {
  return parseXml(`<vmAction xmlns="${ESC_NAMESPACE}">${body}</vmAction>`);
}

describe('parseVmAction', () => {
  it('reads the edit-config form with force', () => {
    const rpc = parseXml(readFileSync(fixturePath('rpc-vmaction-stop-editconfig-force.xml')));
    const parsed = parseVmAction(vmActionOf(rpc), 'editconfig', '/rpc/edit-config/config/esc:vmAction');
    assert.deepEqual(parsed, {
      ok: true,
      request: { form: 'editconfig', actionType: 'STOP', vmName: 'fw-edge-dep_FW_0_b678affe-2ec1-4c0b-8d48-98a08c075ae4', force: true },
    });
  });

  it('reads the plain RPC form without force', () => {
    const rpc = parseXml(readFileSync(fixturePath('rpc-vmaction-reboot-plain-rpc.xml')));
    const parsed = parseVmAction(vmActionOf(rpc), 'rpc', '/rpc/esc:vmAction');
    assert.deepEqual(parsed, {
      ok: true,
      request: { form: 'rpc', actionType: 'REBOOT', vmName: 'cache-dep_cache_0_12f32416-9f6e-47ee-91de-24619ec513e7' },
    });
  });

  it('reads prefixed elements and trims values', () => {
    const element = parseXml(`<esc:vmAction xmlns:esc="${ESC_NAMESPACE}"><esc:actionType> START </esc:actionType><esc:vmName>\n vm-1 \n</esc:vmName><esc:force>false</esc:force></esc:vmAction>`);
    assert.deepEqual(parseVmAction(element, 'rpc', '/rpc/esc:vmAction'), {
      ok: true,
      request: { form: 'rpc', actionType: 'START', vmName: 'vm-1', force: false },
    });
  });

  it('rejects an unknown actionType with invalid-value', () => {
    const parsed = parseVmAction(vmAction('<actionType>PAUSE</actionType><vmName>vm-1</vmName>'), 'rpc', '/rpc/esc:vmAction');
    assert.equal(parsed.ok, false);
    assert.equal(parsed.ok ? undefined : parsed.error.tag, 'invalid-value');
    assert.equal(parsed.ok ? undefined : parsed.error.path, '/rpc/esc:vmAction/esc:actionType');
  });

  it('rejects a force that is not a boolean', () => {
    const parsed = parseVmAction(vmAction('<actionType>STOP</actionType><vmName>vm-1</vmName><force>yes</force>'), 'rpc', '/rpc/esc:vmAction');
    assert.equal(parsed.ok ? undefined : parsed.error.tag, 'invalid-value');
    assert.equal(parsed.ok ? undefined : parsed.error.path, '/rpc/esc:vmAction/esc:force');
  });

  it('rejects a missing vmName with missing-element', () => {
    const parsed = parseVmAction(vmAction('<actionType>STOP</actionType>'), 'rpc', '/rpc/esc:vmAction');
    assert.equal(parsed.ok ? undefined : parsed.error.tag, 'missing-element');
    assert.deepEqual(parsed.ok ? undefined : parsed.error.info, { 'bad-element': 'vmName' });
  });

  it('ignores elements in another namespace', () => {
    const element = parseXml(`<vmAction xmlns="${ESC_NAMESPACE}"><actionType>STOP</actionType><vmName xmlns="urn:other">vm-1</vmName></vmAction>`);
    const parsed = parseVmAction(element, 'rpc', '/rpc/esc:vmAction');
    assert.equal(parsed.ok ? undefined : parsed.error.tag, 'missing-element');
  });
});

describe('rawRootAttributes', () => {
  it('keeps message-id, other attributes and prefix declarations', () => {
    const attributes = rawRootAttributes(`<?xml version="1.0"?>\n<nc:rpc xmlns:nc="${BASE_NAMESPACE}" message-id="urn:uuid:1" xmlns:ex="urn:ex" ex:user='a&amp;b'><nc:get/></nc:rpc>`);
    assert.deepEqual(attributes, [`xmlns:nc="${BASE_NAMESPACE}"`, 'message-id="urn:uuid:1"', 'xmlns:ex="urn:ex"', "ex:user='a&amp;b'"]);
  });

  it('drops the default namespace declaration', () => {
    assert.deepEqual(rawRootAttributes(`<rpc message-id="7" xmlns="${BASE_NAMESPACE}"><get/></rpc>`), ['message-id="7"']);
  });
});

describe('reply builders', () => {
  it('echoes attributes on <ok/>', () => {
    const reply = parseXml(buildOkReply(['message-id="101"', 'xmlns:ex="urn:ex"', 'ex:user="bob"']));
    assert.equal(reply.localName, 'rpc-reply');
    assert.equal(reply.namespace, BASE_NAMESPACE);
    assert.deepEqual(reply.attributes, { 'message-id': '101', 'ex:user': 'bob' });
    assert.ok(firstChild(reply, 'ok', BASE_NAMESPACE));
  });

  it('shapes rpc-error like the fixture', () => {
    const fixture = firstChild(parseXml(readFileSync(fixturePath('rpc-reply-error-operation-failed.xml'))), 'rpc-error', BASE_NAMESPACE)!;
    const reply = parseXml(buildErrorReply(['message-id="103"'], { type: 'application', tag: 'operation-failed', message: 'VM [x] does not exist' }));
    const error = firstChild(reply, 'rpc-error', BASE_NAMESPACE)!;
    assert.deepEqual(error.children.map((child) => child.localName), fixture.children.map((child) => child.localName));
    assert.equal(firstChild(error, 'error-message', BASE_NAMESPACE)!.attributes['xml:lang'], 'en');
    assert.equal(firstChild(error, 'error-message', BASE_NAMESPACE)!.text, 'VM [x] does not exist');
    assert.equal(reply.attributes['message-id'], '103');
  });

  it('orders error-path and error-info as RFC 6241 does', () => {
    const reply = parseXml(buildErrorReply(['message-id="1"'], {
      type: 'application', tag: 'invalid-value', message: 'bad', path: '/rpc/esc:vmAction/esc:actionType', info: { 'bad-element': 'actionType' },
    }));
    const error = childrenNamed(reply, 'rpc-error', BASE_NAMESPACE)[0]!;
    assert.deepEqual(error.children.map((child) => child.localName), ['error-type', 'error-tag', 'error-severity', 'error-path', 'error-message', 'error-info']);
    assert.equal(firstChild(error, 'error-path', BASE_NAMESPACE)!.text, '/rpc/esc:vmAction/esc:actionType');
    assert.equal(firstChild(firstChild(error, 'error-info', BASE_NAMESPACE)!, 'bad-element', BASE_NAMESPACE)!.text, 'actionType');
  });
});
