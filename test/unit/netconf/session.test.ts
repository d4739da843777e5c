import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import type { Logger } from '../../../functions/common/logger.js';
import { NetconfSession, type NetconfTransport } from '../../../functions/netconf/session.js';
import { FrameDecoder, encodeFrame, type Framing } from '../../../functions/netconf/framing.js';
import { BASE_1_0, BASE_1_1, buildHello } from '../../../functions/netconf/hello.js';
import type { NetconfNotification } from '../../../functions/netconf/notification.js';
import {
  NetconfFramingError,
  NetconfProtocolError,
  NetconfSessionClosedError,
  NetconfTimeoutError,
} from '../../../functions/netconf/errors.js';

const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/** An in-memory transport: records each write and lets the test play the server. */
class FakeTransport extends EventEmitter implements NetconfTransport {
  readonly writes: Buffer[] = [];
  ended = false;
  private readonly clientDecoder = new FrameDecoder({ framing: 'eom' });
  framing: Framing = 'eom';

  write(data: Buffer): void {
    this.writes.push(Buffer.from(data));
  }

  end(): void {
    this.ended = true;
  }

  /** Decodes every message the client wrote so far (after the ones already read). */
  readMessages(): string[] {
    const messages: string[] = [];
    for (const write of this.writes.splice(0)) {
      for (const message of this.clientDecoder.push(write)) {
        messages.push(message.toString('utf8'));
        if (/<hello/.test(message.toString('utf8'))) {
          this.clientDecoder.setFraming(this.framing);
        }
      }
    }
    return messages;
  }

  serverSend(xml: string): void {
    this.emit('data', encodeFrame(xml, this.framing));
  }

  serverSendRaw(bytes: string | Buffer): void {
    this.emit('data', Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'));
  }

  serverClose(error?: Error): void {
    this.emit('close', error);
  }
}

function reply(messageId: string | undefined, body = '<ok/>'): string {
  const attribute = messageId === undefined ? '' : ` message-id="${messageId}"`;
  return `<rpc-reply xmlns="${BASE_NS}"${attribute}>${body}</rpc-reply>`;
}

function notification(eventTime: string, body: string): string {
  return `<notification xmlns="${NOTIFICATION_NS}"><eventTime>${eventTime}</eventTime>${body}</notification>`;
}

/** Creates a pino logger that parses every entry into `entries`. */
function capturingLogger(): { logger: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => entries.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, entries };
}

const PINO_ERROR_LEVEL = 50;

/** Starts a session whose fake server replies to the hello with `serverCapabilities`. */
async function startSession(
  serverCapabilities: string[] = [BASE_1_0, BASE_1_1],
  options: { rpcTimeoutMs?: number; logger?: Logger } = {},
): Promise<{ session: NetconfSession; transport: FakeTransport }> {
  const transport = new FakeTransport();
  const starting = NetconfSession.start(transport, { helloTimeoutMs: 1000, closeTimeoutMs: 50, ...options });
  transport.framing = serverCapabilities.includes(BASE_1_1) ? 'chunked' : 'eom';
  transport.serverSendRaw(encodeFrame(buildHello(serverCapabilities, 7), 'eom'));
  const session = await starting;
  transport.readMessages();
  return { session, transport };
}

function messageIdOf(xml: string): string {
  const match = /message-id="([^"]+)"/.exec(xml);
  assert.ok(match, `no message-id in ${xml}`);
  return match[1]!;
}

describe('NetconfSession.start', () => {
  it('writes the hello alone and no rpc before the server hello', async () => {
    const transport = new FakeTransport();
    const starting = NetconfSession.start(transport, { helloTimeoutMs: 1000 });

    assert.equal(transport.writes.length, 1);
    const clientHello = transport.writes[0]!.toString('utf8');
    assert.match(clientHello, /^<\?xml[^>]*\?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">/);
    assert.ok(clientHello.endsWith(']]>]]>'));
    assert.ok(clientHello.includes(`<capability>${BASE_1_0}</capability>`));
    assert.ok(clientHello.includes(`<capability>${BASE_1_1}</capability>`));
    assert.doesNotMatch(clientHello, /session-id/);

    transport.serverSendRaw(encodeFrame(buildHello([BASE_1_0, BASE_1_1], 7), 'eom'));
    const session = await starting;
    const replyPromise = session.rpc('<get/>');

    assert.equal(transport.writes.length, 2);
    assert.match(transport.writes[1]!.toString('utf8'), /^\n#\d+\n<rpc message-id="1"/);
    transport.framing = 'chunked';
    transport.readMessages();
    transport.serverSend(reply('1'));
    assert.equal((await replyPromise).ok, true);
  });

  it('chooses chunked framing when both hellos list base:1.1', async () => {
    const { session } = await startSession([BASE_1_0, BASE_1_1]);

    assert.equal(session.framing, 'chunked');
    assert.equal(session.sessionId, '7');
    assert.deepEqual(session.serverCapabilities, [BASE_1_0, BASE_1_1]);
  });

  it('chooses eom framing with a base:1.0-only server', async () => {
    const { session, transport } = await startSession([BASE_1_0]);

    const pending = session.rpc('<get/>');
    const [request] = transport.readMessages();
    transport.serverSend(reply(messageIdOf(request!)));

    assert.equal(session.framing, 'eom');
    assert.equal((await pending).ok, true);
  });

  it('advertises extra capabilities from options', async () => {
    const transport = new FakeTransport();
    const starting = NetconfSession.start(transport, { helloTimeoutMs: 50, capabilities: ['urn:example:extra'] });

    assert.match(transport.writes[0]!.toString(), /<capability>urn:example:extra<\/capability>/);
    await assert.rejects(starting, NetconfTimeoutError);
  });

  it('decodes a chunked message that arrives with the hello', async () => {
    const transport = new FakeTransport();
    const starting = NetconfSession.start(transport, { helloTimeoutMs: 1000 });
    const notifications: NetconfNotification[] = [];

    const hello = encodeFrame(buildHello([BASE_1_0, BASE_1_1], 3), 'eom');
    const first = encodeFrame(notification('2024-01-01T00:00:00Z', '<a><!-- ]]>]]> --></a>'), 'chunked');
    transport.serverSendRaw(Buffer.concat([hello, first]));
    const session = await starting;
    session.on('notification', (item) => notifications.push(item));
    transport.serverSendRaw(encodeFrame(notification('2024-01-01T00:00:01Z', '<b/>'), 'chunked'));

    assert.equal(session.framing, 'chunked');
    assert.deepEqual(notifications.map((item) => item.eventTime), ['2024-01-01T00:00:01Z']);
    assert.equal(session.closed, false);
  });

  it('times out without a server hello', async () => {
    const transport = new FakeTransport();

    await assert.rejects(NetconfSession.start(transport, { helloTimeoutMs: 30 }), (error: unknown) => {
      assert.ok(error instanceof NetconfTimeoutError);
      assert.equal(error.retriable, true);
      assert.match(error.message, /No NETCONF hello from the server within 30 ms/);
      return true;
    });
    assert.equal(transport.ended, true);
  });

  it('rejects a server hello without a base capability', async () => {
    const transport = new FakeTransport();
    const starting = NetconfSession.start(transport, { helloTimeoutMs: 1000 });

    transport.serverSendRaw(encodeFrame(buildHello(['urn:example:other'], 1), 'eom'));

    await assert.rejects(starting, NetconfProtocolError);
    assert.equal(transport.ended, true);
  });

  it('rejects when the transport closes before the hello', async () => {
    const transport = new FakeTransport();
    const starting = NetconfSession.start(transport, { helloTimeoutMs: 1000 });

    transport.serverClose();

    await assert.rejects(starting, NetconfSessionClosedError);
  });
});

describe('NetconfSession.rpc', () => {
  it('matches replies out of order by message-id', async () => {
    const { session, transport } = await startSession();

    const first = session.rpc('<get><filter type="subtree"><a xmlns="urn:example"/></filter></get>');
    const second = session.rpc('<get-config><source><running/></source></get-config>');
    const [request1, request2] = transport.readMessages();
    transport.serverSend(reply(messageIdOf(request2!), '<data><b/></data>'));
    transport.serverSend(reply(messageIdOf(request1!), '<data><a/></data>'));

    const [reply1, reply2] = await Promise.all([first, second]);
    assert.equal(reply1.messageId, messageIdOf(request1!));
    assert.match(reply1.xml, /<a\/>/);
    assert.equal(reply2.messageId, messageIdOf(request2!));
    assert.match(reply2.xml, /<b\/>/);
  });

  it('emits notifications interleaved with a pending reply in order', async () => {
    const { session, transport } = await startSession();
    const events: string[] = [];
    session.on('notification', (item) => events.push(`notification ${item.eventTime}`));

    const pending = session.rpc('<get/>').then((result) => events.push(`reply ${result.messageId}`));
    const [request] = transport.readMessages();
    transport.serverSend(notification('2024-01-01T00:00:01Z', '<e/>'));
    transport.serverSend(notification('2024-01-01T00:00:02Z', '<e/>'));
    transport.serverSend(reply(messageIdOf(request!)));
    transport.serverSend(notification('2024-01-01T00:00:03Z', '<e/>'));
    await pending;

    assert.deepEqual(events, [
      'notification 2024-01-01T00:00:01Z',
      'notification 2024-01-01T00:00:02Z',
      'notification 2024-01-01T00:00:03Z',
      'reply 1',
    ]);
  });

  it('returns an rpc-error as data', async () => {
    const { session, transport } = await startSession();

    const pending = session.rpc('<edit-config/>');
    const [request] = transport.readMessages();
    transport.serverSend(reply(messageIdOf(request!), '<rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity><error-message xml:lang="en">bad</error-message></rpc-error>'));
    const result = await pending;

    assert.equal(result.ok, false);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]!.errorTag, 'invalid-value');
    assert.equal(result.errors[0]!.errorMessage, 'bad');
  });

  it('matches a reply without message-id to the only outstanding request', async () => {
    const { session, transport } = await startSession();

    const pending = session.rpc('<get/>');
    transport.readMessages();
    transport.serverSend(reply(undefined, '<rpc-error><error-type>rpc</error-type><error-tag>missing-attribute</error-tag><error-severity>error</error-severity></rpc-error>'));
    const result = await pending;

    assert.equal(result.messageId, '1');
    assert.equal(result.errors[0]!.errorTag, 'missing-attribute');
  });

  it('drops an rpc-error without message-id when two requests are outstanding', async () => {
    const { session, transport } = await startSession();

    const first = session.rpc('<get/>', { timeoutMs: 1000 });
    const second = session.rpc('<get/>', { timeoutMs: 1000 });
    const [request1, request2] = transport.readMessages();
    transport.serverSend(reply(undefined, '<rpc-error><error-type>rpc</error-type><error-tag>missing-attribute</error-tag><error-severity>error</error-severity></rpc-error>'));
    transport.serverSend(reply(messageIdOf(request1!)));
    transport.serverSend(reply(messageIdOf(request2!)));

    assert.deepEqual((await first).errors, []);
    assert.deepEqual((await second).errors, []);
  });

  it('drops a reply with an unknown message-id', async () => {
    const { session, transport } = await startSession();

    const pending = session.rpc('<get/>');
    const [request] = transport.readMessages();
    transport.serverSend(reply('999', '<data>wrong</data>'));
    transport.serverSend(reply(messageIdOf(request!), '<data>right</data>'));
    const result = await pending;

    assert.match(result.xml, /right/);
    assert.equal(session.closed, false);
  });

  it('times out with requestSent true', async () => {
    const { session } = await startSession();

    await assert.rejects(session.rpc('<get/>', { timeoutMs: 20 }), (error: unknown) => {
      assert.ok(error instanceof NetconfTimeoutError);
      assert.equal(error.requestSent, true);
      assert.equal(error.code, 'NETCONF_TIMEOUT');
      return true;
    });
  });

  it('rejects a malformed operation with requestSent false', async () => {
    const { session, transport } = await startSession();

    await assert.rejects(session.rpc('<get>'), (error: unknown) => {
      assert.ok(error instanceof NetconfProtocolError);
      assert.equal(error.requestSent, false);
      return true;
    });
    assert.deepEqual(transport.readMessages(), []);
  });

  it('rejects a malformed reply for its request', async () => {
    const { session, transport } = await startSession();

    const pending = session.rpc('<get/>');
    transport.readMessages();
    transport.serverSend(`<rpc-reply xmlns="${BASE_NS}" message-id="1"><data></rpc-reply>`);

    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof NetconfProtocolError);
      assert.equal(error.requestSent, true);
      return true;
    });
  });
});

describe('NetconfSession listener errors', () => {
  it('logs a throwing notification listener and keeps the session', async () => {
    const { logger, entries } = capturingLogger();
    const { session, transport } = await startSession([BASE_1_0, BASE_1_1], { logger });
    const received: string[] = [];
    session.on('notification', (item) => {
      received.push(item.eventTime ?? '');
      if (received.length === 1) {
        throw new Error('listener bug');
      }
    });

    const pending = session.rpc('<get/>');
    const [request] = transport.readMessages();
    assert.doesNotThrow(() => transport.serverSend(notification('2024-01-01T00:00:01Z', '<e/>')));
    transport.serverSend(notification('2024-01-01T00:00:02Z', '<e/>'));
    transport.serverSend(reply(messageIdOf(request!)));

    assert.equal((await pending).ok, true);
    assert.deepEqual(received, ['2024-01-01T00:00:01Z', '2024-01-01T00:00:02Z']);
    assert.equal(session.closed, false);
    const logged = entries.find((entry) => entry.level === PINO_ERROR_LEVEL);
    assert.ok(logged, 'no error logged');
    assert.equal(logged.sessionId, '7');
    assert.match(String(logged.msg), /'notification' listener threw/);
    assert.equal((logged.err as { message?: string }).message, 'listener bug');
  });

  it('logs a throwing close listener', async () => {
    const { logger, entries } = capturingLogger();
    const { session, transport } = await startSession([BASE_1_0, BASE_1_1], { logger });
    session.on('close', () => {
      throw new Error('close listener bug');
    });

    assert.doesNotThrow(() => transport.serverClose());

    assert.equal(session.closed, true);
    const logged = entries.find((entry) => entry.level === PINO_ERROR_LEVEL);
    assert.equal((logged?.err as { message?: string } | undefined)?.message, 'close listener bug');
  });

  it('closes the session on an internal error while reading', async () => {
    const { logger, entries } = capturingLogger();
    const { session, transport } = await startSession([BASE_1_0, BASE_1_1], { logger });
    const closeEvents: Array<Error | undefined> = [];
    session.on('close', (error) => closeEvents.push(error));
    const pending = session.rpc('<get/>');

    // A transport that emits something other than a Buffer breaks the decoder.
    assert.doesNotThrow(() => transport.emit('data', 42));

    await assert.rejects(pending, NetconfSessionClosedError);
    assert.equal(session.closed, true);
    assert.equal(transport.ended, true);
    assert.ok(closeEvents[0] instanceof TypeError);
    const logged = entries.find((entry) => entry.level === PINO_ERROR_LEVEL);
    assert.equal(logged?.sessionId, '7');
    assert.match(String(logged?.msg), /internal error while reading a netconf message/);
  });
});

describe('NetconfSession close handling', () => {
  it('rejects pending rpcs when the server closes mid-message', async () => {
    const { session, transport } = await startSession();
    const closeEvents: Array<Error | undefined> = [];
    session.on('close', (error) => closeEvents.push(error));

    const first = session.rpc('<get/>');
    const second = session.rpc('<get-config/>');
    transport.serverSendRaw('\n#100\n<rpc-reply xmlns=');
    transport.serverClose();

    for (const pending of [first, second]) {
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(error instanceof NetconfSessionClosedError);
        assert.equal(error.requestSent, true);
        assert.equal(error.retriable, true);
        return true;
      });
    }
    assert.equal(closeEvents.length, 1);
    assert.ok(closeEvents[0] instanceof NetconfSessionClosedError);
    assert.match(closeEvents[0].message, /in the middle of a message \(\d+ bytes buffered\)/);
    assert.equal(session.closed, true);
  });

  it('closes with NetconfFramingError on an invalid chunk header', async () => {
    const { session, transport } = await startSession();
    const closeEvents: Array<Error | undefined> = [];
    session.on('close', (error) => closeEvents.push(error));

    const pending = session.rpc('<get/>');
    transport.serverSendRaw('\n#012\n<rpc-reply/>\n##\n');

    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof NetconfSessionClosedError);
      assert.ok(error.cause instanceof NetconfFramingError);
      return true;
    });
    assert.ok(closeEvents[0] instanceof NetconfFramingError);
    assert.equal(transport.ended, true);
    await assert.rejects(session.rpc('<get/>'), (error: unknown) => error instanceof NetconfSessionClosedError && error.requestSent === false);
  });

  it('sends close-session and ends the transport once', async () => {
    const { session, transport } = await startSession();
    const closeEvents: Array<Error | undefined> = [];
    session.on('close', (error) => closeEvents.push(error));

    const closing = session.close();
    const [request] = transport.readMessages();
    assert.match(request!, /<close-session\/>/);
    transport.serverSend(reply(messageIdOf(request!)));
    await closing;
    await session.close();

    assert.equal(transport.ended, true);
    assert.deepEqual(closeEvents, [undefined]);
    assert.equal(session.closed, true);
  });

  it('ends the transport when close-session gets no reply', async () => {
    const { session, transport } = await startSession();

    await session.close();

    assert.equal(transport.ended, true);
    assert.equal(session.closed, true);
  });
});

describe('NetconfSession notifications', () => {
  it('emits eventTime and the raw XML', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    const xml = notification(' 2024-05-06T07:08:09.123Z ', '<escEvent xmlns="http://www.cisco.com/esc/esc"><status>SUCCESS</status></escEvent>');
    transport.serverSend(xml);

    assert.equal(received.length, 1);
    assert.equal(received[0]!.eventTime, '2024-05-06T07:08:09.123Z');
    assert.equal(received[0]!.xml, xml);
    assert.equal(typeof received[0]!.receivedAt, 'number');
  });

  it('emits a notification in a wrong namespace with a parse error', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    const xml = '<notification xmlns="urn:example:wrong"><eventTime>2024-01-01T00:00:00Z</eventTime></notification>';
    transport.serverSend(xml);

    assert.equal(received.length, 1);
    assert.equal(received[0]!.xml, xml);
    assert.equal(received[0]!.root, undefined);
    assert.ok(received[0]!.parseError instanceof NetconfProtocolError);
    assert.match(received[0]!.parseError.message, /<notification> is in namespace urn:example:wrong, expected urn:ietf:params:xml:ns:netconf:notification:1\.0/);
  });

  it('emits a notification without a namespace with a parse error', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    transport.serverSend('<notification><eventTime>2024-01-01T00:00:00Z</eventTime></notification>');

    assert.equal(received.length, 1);
    assert.match(received[0]!.parseError?.message ?? '', /<notification> is in no namespace, expected urn:ietf:params:xml:ns:netconf:notification:1\.0/);
  });

  it('emits an unknown root element with a parse error', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    const xml = '<event xmlns="urn:example:other"><a/></event>';
    transport.serverSend(xml);

    assert.equal(received.length, 1);
    assert.equal(received[0]!.xml, xml);
    assert.match(received[0]!.parseError?.message ?? '', /<event> in namespace urn:example:other is neither a <notification>/);
  });

  it('emits an rpc-reply in a wrong namespace with a parse error', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    transport.serverSend('<rpc-reply xmlns="urn:example:wrong" message-id="1"><ok/></rpc-reply>');

    assert.equal(received.length, 1);
    assert.match(received[0]!.parseError?.message ?? '', /<rpc-reply> is in namespace urn:example:wrong, expected urn:ietf:params:xml:ns:netconf:base:1\.0/);
  });

  const malformedCases: Array<{ name: string; xml: string }> = [
    { name: 'starting with a comment', xml: `<!-- event --><notification xmlns="${NOTIFICATION_NS}"><eventTime>x</eventTime><broken></notification>` },
    { name: 'with a DOCTYPE', xml: `<!DOCTYPE notification [<!ENTITY e "x">]><notification xmlns="${NOTIFICATION_NS}"><eventTime>&e;</eventTime></notification>` },
    { name: 'that is not XML', xml: 'not xml at all' },
  ];

  for (const testCase of malformedCases) {
    it(`emits a malformed message ${testCase.name} with its parse error`, async () => {
      const { session, transport } = await startSession();
      const received: NetconfNotification[] = [];
      session.on('notification', (item) => received.push(item));

      transport.serverSend(testCase.xml);

      assert.equal(received.length, 1);
      assert.equal(received[0]!.xml, testCase.xml);
      assert.ok(received[0]!.parseError instanceof Error);
      assert.equal(session.closed, false);
    });
  }

  it('matches a reply after a malformed message while a request is pending', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    const pending = session.rpc('<get/>');
    const [request] = transport.readMessages();
    transport.serverSend('<!-- x --><rpc-reply><broken></rpc-reply>');
    transport.serverSend(reply(messageIdOf(request!), '<data>right</data>'));
    const result = await pending;

    assert.match(result.xml, /right/);
    assert.equal(received.length, 1);
    assert.ok(received[0]!.parseError instanceof Error);
  });

  it('emits a malformed notification with its parse error', async () => {
    const { session, transport } = await startSession();
    const received: NetconfNotification[] = [];
    session.on('notification', (item) => received.push(item));

    const xml = `<notification xmlns="${NOTIFICATION_NS}"><eventTime>x</eventTime><broken></notification>`;
    transport.serverSend(xml);

    assert.equal(received.length, 1);
    assert.equal(received[0]!.xml, xml);
    assert.ok(received[0]!.parseError instanceof Error);
  });

  it('sends create-subscription with stream, filter and times', async () => {
    const { session, transport } = await startSession();

    const pending = session.createSubscription({ stream: 'escEvent', filterXml: '<escEvent xmlns="http://www.cisco.com/esc/esc"/>', startTime: '2024-01-01T00:00:00Z' });
    const [request] = transport.readMessages();
    transport.serverSend(reply(messageIdOf(request!)));

    assert.equal((await pending).ok, true);
    assert.ok(request!.includes(`<create-subscription xmlns="${NOTIFICATION_NS}"><stream>escEvent</stream><filter type="subtree"><escEvent xmlns="http://www.cisco.com/esc/esc"/></filter><startTime>2024-01-01T00:00:00Z</startTime></create-subscription>`));
  });
});
