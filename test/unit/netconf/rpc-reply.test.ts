import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRpc, parseRpcReply } from '../../../functions/netconf/rpc-reply.js';
import { NetconfProtocolError } from '../../../functions/netconf/errors.js';
import { parseXml } from '../../../functions/common/xml.js';

const NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

describe('parseRpcReply', () => {
  it('reads ok and message-id', () => {
    const result = parseRpcReply(`<rpc-reply xmlns="${NS}" message-id="101"><ok/></rpc-reply>`);

    assert.equal(result.messageId, '101');
    assert.equal(result.ok, true);
    assert.deepEqual(result.errors, []);
  });

  it('treats data without rpc-error as ok', () => {
    const result = parseRpcReply(Buffer.from(`<nc:rpc-reply xmlns:nc="${NS}" message-id="2"><nc:data><x xmlns="urn:example"/></nc:data></nc:rpc-reply>`));

    assert.equal(result.ok, true);
    assert.equal(result.root.children[0]!.localName, 'data');
  });

  it('reads every rpc-error field', () => {
    const xml = `<rpc-reply xmlns="${NS}" message-id="3">
  <rpc-error>
    <error-type>application</error-type>
    <error-tag>operation-failed</error-tag>
    <error-severity>error</error-severity>
    <error-app-tag>VM_NOT_FOUND</error-app-tag>
    <error-path>/esc:vmAction</error-path>
    <error-message xml:lang="en">VM vm-1 not found</error-message>
    <error-info><bad-element>vmName</bad-element></error-info>
  </rpc-error>
</rpc-reply>`;

    const result = parseRpcReply(xml);

    assert.equal(result.ok, false);
    assert.deepEqual(result.errors, [{
      errorType: 'application',
      errorTag: 'operation-failed',
      errorSeverity: 'error',
      errorAppTag: 'VM_NOT_FOUND',
      errorPath: '/esc:vmAction',
      errorMessage: 'VM vm-1 not found',
      errorMessageLang: 'en',
      errorInfo: `<error-info xmlns="${NS}"><bad-element>vmName</bad-element></error-info>`,
    }]);
    assert.equal(result.xml, xml);
  });

  it('treats warnings only as ok', () => {
    const result = parseRpcReply(`<rpc-reply xmlns="${NS}" message-id="4"><rpc-error><error-type>application</error-type><error-tag>x</error-tag><error-severity>warning</error-severity></rpc-error></rpc-reply>`);

    assert.equal(result.ok, true);
    assert.equal(result.errors[0]!.errorSeverity, 'warning');
  });

  it('treats an empty reply as not ok', () => {
    assert.equal(parseRpcReply(`<rpc-reply xmlns="${NS}" message-id="5"/>`).ok, false);
  });

  it('accepts a parsed element', () => {
    const root = parseXml(`<rpc-reply xmlns="${NS}" message-id="6"><ok/></rpc-reply>`);

    const result = parseRpcReply(root);

    assert.equal(result.messageId, '6');
    assert.equal(result.xml, `<rpc-reply xmlns="${NS}" message-id="6"><ok></ok></rpc-reply>`);
  });

  it('rejects a non rpc-reply root', () => {
    assert.throws(() => parseRpcReply(`<hello xmlns="${NS}"/>`), NetconfProtocolError);
    assert.throws(() => parseRpcReply('<rpc-reply><ok/></rpc-reply>'), /namespace ""/);
    assert.throws(() => parseRpcReply('<rpc-reply'), NetconfProtocolError);
  });
});

describe('buildRpc', () => {
  it('wraps the operation with an escaped message-id', () => {
    assert.equal(buildRpc('a"1', '<get/>'), `<rpc message-id="a&quot;1" xmlns="${NS}"><get/></rpc>`);
  });
});
