import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_1_0,
  BASE_1_1,
  NOTIFICATION_1_0,
  buildHello,
  chooseFraming,
  hasCapability,
  parseHello,
} from '../../../functions/netconf/hello.js';
import { NetconfProtocolError } from '../../../functions/netconf/errors.js';

describe('buildHello', () => {
  it('omits session-id in a client hello', () => {
    const xml = buildHello([BASE_1_0, BASE_1_1]);

    assert.doesNotMatch(xml, /session-id/);
    assert.deepEqual(parseHello(xml), { capabilities: [BASE_1_0, BASE_1_1] });
  });

  it('includes session-id in a server hello', () => {
    const xml = buildHello([BASE_1_0], 42);

    assert.match(xml, /<session-id>42<\/session-id>/);
    assert.deepEqual(parseHello(xml), { capabilities: [BASE_1_0], sessionId: 42 });
  });

  it('escapes capability URIs with query parameters', () => {
    const capability = 'urn:example:module?module=m&revision=2020-01-01';
    const xml = buildHello([BASE_1_0, capability]);

    assert.match(xml, /module=m&amp;revision/);
    assert.deepEqual(parseHello(xml).capabilities, [BASE_1_0, capability]);
  });

  it('rejects a session-id of 0', () => {
    assert.throws(() => buildHello([BASE_1_0], 0), RangeError);
  });
});

describe('parseHello', () => {
  it('parses a prefixed hello with whitespace around capabilities', () => {
    const xml = `<?xml version="1.0"?>
<nc:hello xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">
  <nc:capabilities>
    <nc:capability>
      ${BASE_1_1}
    </nc:capability>
    <nc:capability>${NOTIFICATION_1_0}</nc:capability>
  </nc:capabilities>
  <nc:session-id> 4294967295 </nc:session-id>
</nc:hello>`;

    assert.deepEqual(parseHello(Buffer.from(xml)), { capabilities: [BASE_1_1, NOTIFICATION_1_0], sessionId: 4294967295 });
  });

  const invalid: Array<{ name: string; xml: string; reason: RegExp }> = [
    { name: 'an rpc-reply', xml: '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>', reason: /Expected a NETCONF <hello>/ },
    { name: 'a hello in no namespace', xml: `<hello><capabilities><capability>${BASE_1_0}</capability></capabilities></hello>`, reason: /namespace ""/ },
    { name: 'a hello without capabilities', xml: '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities/></hello>', reason: /lists no <capability>/ },
    { name: 'malformed XML', xml: '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">', reason: /Invalid NETCONF hello/ },
    { name: 'a DOCTYPE', xml: '<!DOCTYPE hello [<!ENTITY x "y">]><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', reason: /DOCTYPE/ },
    { name: 'a non-numeric session-id', xml: `<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>${BASE_1_0}</capability></capabilities><session-id>abc</session-id></hello>`, reason: /session-id "abc"/ },
    { name: 'a session-id over uint32', xml: `<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>${BASE_1_0}</capability></capabilities><session-id>4294967296</session-id></hello>`, reason: /session-id "4294967296"/ },
  ];

  for (const testCase of invalid) {
    it(`throws NetconfProtocolError for ${testCase.name}`, () => {
      assert.throws(() => parseHello(testCase.xml), (error: unknown) => {
        assert.ok(error instanceof NetconfProtocolError);
        assert.equal(error.code, 'NETCONF_PROTOCOL');
        assert.match(error.message, testCase.reason);
        return true;
      });
    });
  }
});

describe('chooseFraming', () => {
  it('chooses chunked when both peers list base:1.1', () => {
    assert.equal(chooseFraming([BASE_1_0, BASE_1_1], [BASE_1_1]), 'chunked');
  });

  it('chooses eom when only the server lists base:1.1', () => {
    assert.equal(chooseFraming([BASE_1_0], [BASE_1_0, BASE_1_1]), 'eom');
  });

  it('chooses eom when only the client lists base:1.1', () => {
    assert.equal(chooseFraming([BASE_1_0, BASE_1_1], [BASE_1_0]), 'eom');
  });

  it('matches a base capability with a query part', () => {
    assert.equal(hasCapability([`${BASE_1_1}?x=1`], BASE_1_1), true);
    assert.equal(hasCapability([`${BASE_1_1}x`], BASE_1_1), false);
  });
});
