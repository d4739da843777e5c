import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EscEventParseError, parseEscEventNotification, type EscEventFields } from '../../../functions/esc/index.js';
import { fixturePath } from '../../helpers/paths.js';

const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';
const ESC_NS = 'http://www.cisco.com/esc/esc';

/** Wraps escEvent children in a notification envelope. */
function notification(escEventBody: string, eventTime = '2016-03-02T14:07:51.318+00:00'): string {
  return `<notification xmlns="${NOTIFICATION_NS}"><eventTime>${eventTime}</eventTime>` +
    `<escEvent xmlns="${ESC_NS}">${escEventBody}</escEvent></notification>`;
}

const MINIMAL_BODY = '<status>SUCCESS</status><event><type>VM_STOPPED</type></event>';

function assertRejected(xml: string, messagePart: RegExp, options?: { maxBytes?: number }): void {
  assert.throws(
    () => parseEscEventNotification(xml, options),
    (error: unknown) => {
      assert.ok(error instanceof EscEventParseError, `expected EscEventParseError, got ${String(error)}`);
      assert.equal(error.code, 'ESC_EVENT_INVALID');
      assert.equal(error.retriable, false);
      assert.match(error.message, messagePart);
      return true;
    },
  );
}

describe('parseEscEventNotification with the sample notifications', () => {
  const names = readdirSync(fixturePath('')).filter((name) => /^notification-.*\.xml$/.test(name));

  it('finds all thirteen sample notifications', () => {
    assert.equal(names.length, 13);
  });

  for (const name of names) {
    it(`parses ${name} into the hand-written expected fields`, () => {
      const expected = JSON.parse(
        readFileSync(fixturePath(`expected/${name.replace(/\.xml$/, '.json')}`), 'utf8'),
      ) as EscEventFields;
      const actual = parseEscEventNotification(readFileSync(fixturePath(name)));
      assert.deepEqual(actual, expected);
    });
  }
});

describe('parseEscEventNotification leaf values', () => {
  it('keeps numeric-looking text as text', () => {
    const fields = parseEscEventNotification(notification(
      '<status>SUCCESS</status><status_code>0520</status_code><status_message>6e52</status_message>' +
      '<svcversion>1.60</svcversion><tenant>0520</tenant><tenant_id>6e52</tenant_id><depname>1.60</depname>' +
      '<vm_group>007</vm_group><vm_source><vmid>6e52</vmid><hostid>0520</hostid>' +
      '<interfaces><interface><nicid>00</nicid><netmask>1.60</netmask></interface></interfaces></vm_source>' +
      '<event><type>VM_STOPPED</type></event>',
    ));
    assert.equal(fields.statusCode, '0520');
    assert.equal(fields.statusMessage, '6e52');
    assert.equal(fields.svcversion, '1.60');
    assert.equal(fields.tenant, '0520');
    assert.equal(fields.tenantId, '6e52');
    assert.equal(fields.depname, '1.60');
    assert.equal(fields.vmGroup, '007');
    assert.equal(fields.vmSource?.vmid, '6e52');
    assert.equal(fields.vmSource?.hostid, '0520');
    assert.equal(fields.vmSource?.interfaces[0]?.nicid, '00');
    assert.equal(fields.vmSource?.interfaces[0]?.netmask, '1.60');
  });

  it('maps svcid NULL to null and keeps the raw text', () => {
    const fields = parseEscEventNotification(notification(`<status>SUCCESS</status><svcid> NULL </svcid><event><type>VM_STOPPED</type></event>`));
    assert.equal(fields.svcid, null);
    assert.equal(fields.svcidRaw, 'NULL');
  });

  it('keeps a real svcid in both fields', () => {
    const fields = parseEscEventNotification(notification(`<status>SUCCESS</status><svcid>93c2641e-d058-4fd9-9122-d80d6dc4b5d0</svcid>${'<event><type>X</type></event>'}`));
    assert.equal(fields.svcid, '93c2641e-d058-4fd9-9122-d80d6dc4b5d0');
    assert.equal(fields.svcidRaw, '93c2641e-d058-4fd9-9122-d80d6dc4b5d0');
  });

  it('trims leaves wrapped in newlines', () => {
    const fields = parseEscEventNotification(notification(`<status>\n  SUCCESS\n</status><network>\n  mgmt-net\n  </network>${'<event><type>CREATE_NETWORK</type></event>'}`));
    assert.equal(fields.status, 'SUCCESS');
    assert.equal(fields.network, 'mgmt-net');
  });

  it('reads event details, subnet and a vm_name element', () => {
    const fields = parseEscEventNotification(notification(
      '<status>SUCCESS</status><subnet>mgmt-subnet</subnet><vm_name>fw-edge-dep_FW_0_x</vm_name>' +
      '<event><type>CREATE_SUBNET</type><details>port 12022</details></event>',
    ));
    assert.equal(fields.subnet, 'mgmt-subnet');
    assert.equal(fields.vmName, 'fw-edge-dep_FW_0_x');
    assert.equal(fields.eventDetails, 'port 12022');
    assert.equal(fields.eventType, 'CREATE_SUBNET');
  });

  it('turns an empty leaf into null', () => {
    const fields = parseEscEventNotification(notification(`<status>SUCCESS</status><tenant/><depname>  </depname>${'<event><type>X</type></event>'}`));
    assert.equal(fields.tenant, null);
    assert.equal(fields.depname, null);
  });
});

describe('parseEscEventNotification containers', () => {
  it('treats self-closing and whitespace-only containers as null', () => {
    const fields = parseEscEventNotification(notification(
      `<status>FAILURE</status><vm_source/><vm_target>\n    \n  </vm_target>${'<event><type>VM_STOPPED</type></event>'}`,
    ));
    assert.equal(fields.vmSource, null);
    assert.equal(fields.vmTarget, null);
  });

  it('treats a container with only empty leaves as null, never an empty vmid', () => {
    const fields = parseEscEventNotification(notification(`<status>FAILURE</status><vm_source><vmid> </vmid><hostid/></vm_source>${'<event><type>X</type></event>'}`));
    assert.equal(fields.vmSource, null);
  });

  it('returns an empty interface list when interfaces is absent', () => {
    const fields = parseEscEventNotification(notification(`<status>SUCCESS</status><vm_source><vmid>abc</vmid></vm_source>${'<event><type>X</type></event>'}`));
    assert.deepEqual(fields.vmSource?.interfaces, []);
    assert.equal(fields.vmSource?.hostname, null);
  });

  it('rejects text inside vm_source', () => {
    assertRejected(notification(`<status>SUCCESS</status><vm_source>abc</vm_source>${'<event><type>X</type></event>'}`), /<vm_source> contains text/);
  });
});

describe('parseEscEventNotification namespaces and unknown elements', () => {
  it('parses prefixed namespaces like default ones', () => {
    const prefixed =
      `<nc:notification xmlns:nc="${NOTIFICATION_NS}"><nc:eventTime>2016-03-02T14:07:51.318+00:00</nc:eventTime>` +
      `<esc:escEvent xmlns:esc="${ESC_NS}"><esc:status>SUCCESS</esc:status><esc:svcid>NULL</esc:svcid>` +
      '<esc:vm_source><esc:vmid>abc</esc:vmid></esc:vm_source><esc:vm_target/>' +
      '<esc:event><esc:type>VM_STOPPED</esc:type></esc:event></esc:escEvent></nc:notification>';
    const plain = notification('<status>SUCCESS</status><svcid>NULL</svcid><vm_source><vmid>abc</vmid></vm_source><vm_target/><event><type>VM_STOPPED</type></event>');
    assert.deepEqual(parseEscEventNotification(prefixed), parseEscEventNotification(plain));
    assert.equal(parseEscEventNotification(prefixed).vmSource?.vmid, 'abc');
  });

  it('rejects escEvent in another namespace', () => {
    const xml = `<notification xmlns="${NOTIFICATION_NS}"><eventTime>2016-03-02T14:07:51Z</eventTime>` +
      `<escEvent xmlns="http://example.com/other">${MINIMAL_BODY}</escEvent></notification>`;
    assertRejected(xml, /missing <escEvent> in namespace http:\/\/www\.cisco\.com\/esc\/esc \(found <escEvent> in namespace "http:\/\/example\.com\/other"\)/);
  });

  it('rejects a root element other than notification', () => {
    assertRejected(`<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>`, /root element is <rpc-reply>/);
  });

  it('keeps unknown elements as serialized XML', () => {
    const fields = parseEscEventNotification(notification(
      '<status>SUCCESS</status><vim_type>OPENSTACK</vim_type><extra><a>1</a></extra>' +
      '<vm_source><vmid>abc</vmid><zone>az1</zone></vm_source>' +
      '<event><type>VM_STOPPED</type><origin>monitor</origin></event><x:tag xmlns:x="urn:example">v</x:tag>',
    ));
    assert.equal(fields.unknownElements.vim_type, `<vim_type xmlns="${ESC_NS}">OPENSTACK</vim_type>`);
    assert.equal(fields.unknownElements.extra, `<extra xmlns="${ESC_NS}"><a>1</a></extra>`);
    assert.equal(fields.unknownElements['event/origin'], `<origin xmlns="${ESC_NS}">monitor</origin>`);
    assert.equal(fields.unknownElements['{urn:example}tag'], '<tag xmlns="urn:example">v</tag>');
    assert.equal(fields.vmSource?.unknownElements.zone, `<zone xmlns="${ESC_NS}">az1</zone>`);
  });

  it('parses input with an XML declaration and leading indentation', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n   ${notification(MINIMAL_BODY)}`;
    assert.equal(parseEscEventNotification(xml).eventType, 'VM_STOPPED');
  });
});

describe('parseEscEventNotification rejections', () => {
  it('rejects a DOCTYPE declaration', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE notification [<!ENTITY x "y">]>${notification(MINIMAL_BODY)}`;
    assertRejected(xml, /DOCTYPE or ENTITY declaration/);
  });

  it('rejects input over the size limit', () => {
    const xml = notification(`${MINIMAL_BODY}<status_message>${'a'.repeat(2000)}</status_message>`);
    assertRejected(xml, /over the limit of 1000 bytes/, { maxBytes: 1000 });
  });

  it('rejects input over the default 1 MiB limit', () => {
    const xml = notification(`${MINIMAL_BODY.replace('<status>', `<status_message>${'a'.repeat(1024 * 1024)}</status_message><status>`)}`);
    assertRejected(xml, /over the limit of 1048576 bytes/);
  });

  it('rejects a missing event type', () => {
    assertRejected(notification('<status>SUCCESS</status><event></event>'), /missing or empty <event>\/<type>/);
  });

  it('rejects a missing event element', () => {
    assertRejected(notification('<status>SUCCESS</status>'), /missing or empty <event>\/<type>/);
  });

  it('rejects a missing status', () => {
    assertRejected(notification('<event><type>VM_STOPPED</type></event>'), /missing or empty <status>/);
  });

  it('rejects a missing eventTime', () => {
    const xml = `<notification xmlns="${NOTIFICATION_NS}"><escEvent xmlns="${ESC_NS}">${MINIMAL_BODY}</escEvent></notification>`;
    assertRejected(xml, /missing or empty <eventTime>/);
  });

  it('rejects an eventTime that is not a date-time', () => {
    assertRejected(notification(MINIMAL_BODY, 'yesterday'), /<eventTime> "yesterday" is not an xs:dateTime/);
  });

  it('rejects an eventTime without a time zone', () => {
    assertRejected(notification(MINIMAL_BODY, '2016-03-02T14:07:51.318'), /is not an xs:dateTime with a time zone/);
  });

  it('rejects an impossible date', () => {
    assertRejected(notification(MINIMAL_BODY, '2016-02-30T14:07:51Z'), /not a valid date/);
  });

  it('rejects a duplicated status', () => {
    assertRejected(notification(`<status>SUCCESS</status>${MINIMAL_BODY}`), /more than one <status>/);
  });

  it('rejects malformed XML', () => {
    assertRejected('<notification><eventTime>', /not well-formed/);
  });

  it('rejects a leaf that contains elements', () => {
    assertRejected(notification('<status><b>SUCCESS</b></status><event><type>X</type></event>'), /<status> in <escEvent> contains child elements/);
  });
});

describe('parseEscEventNotification eventTime', () => {
  const cases: Array<[string, number]> = [
    ['2016-03-02T14:09:12.5+00:00', Date.UTC(2016, 2, 2, 14, 9, 12, 500)],
    ['2016-03-02T14:09:12.57+00:00', Date.UTC(2016, 2, 2, 14, 9, 12, 570)],
    ['2016-03-02T14:09:12.262+00:00', Date.UTC(2016, 2, 2, 14, 9, 12, 262)],
    ['2016-03-02T14:09:12.262987654+00:00', Date.UTC(2016, 2, 2, 14, 9, 12, 262)],
    ['2016-03-02T14:09:12+00:00', Date.UTC(2016, 2, 2, 14, 9, 12, 0)],
    ['2016-03-02T14:09:12Z', Date.UTC(2016, 2, 2, 14, 9, 12, 0)],
    ['2016-03-02T14:09:12.5Z', Date.UTC(2016, 2, 2, 14, 9, 12, 500)],
    ['2016-03-02T19:39:12.5+05:30', Date.UTC(2016, 2, 2, 14, 9, 12, 500)],
    ['2016-03-02T09:09:12-05:00', Date.UTC(2016, 2, 2, 14, 9, 12, 0)],
    ['2016-03-02T00:30:00+01:00', Date.UTC(2016, 2, 1, 23, 30, 0, 0)],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${text}`, () => {
      const fields = parseEscEventNotification(notification(MINIMAL_BODY, `  ${text}\n`));
      assert.equal(fields.eventTime, expected);
      assert.equal(fields.eventTimeText, text);
    });
  }
});
