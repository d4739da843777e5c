import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import type { Logger } from '../../../functions/common/logger.js';
import { NetconfSession, type NetconfTransport } from '../../../functions/netconf/session.js';
import { FrameDecoder, encodeFrame } from '../../../functions/netconf/framing.js';
import { BASE_1_0, BASE_1_1, buildHello } from '../../../functions/netconf/hello.js';
import type { NetconfNotification } from '../../../functions/netconf/notification.js';

const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/**
 * An in-memory transport that pauses like a Readable stream: while paused, what the fake
 * server sends is held back and emitted on `resume()`. Counts pause and resume calls.
 */
class PausableTransport extends EventEmitter implements NetconfTransport {
  readonly writes: Buffer[] = [];
  pauseCalls = 0;
  resumeCalls = 0;
  ended = false;
  private held: Buffer[] = [];
  private isPaused = false;

  write(data: Buffer): void {
    this.writes.push(Buffer.from(data));
  }

  end(): void {
    this.ended = true;
  }

  pause(): void {
    this.pauseCalls += 1;
    this.isPaused = true;
  }

  resume(): void {
    this.resumeCalls += 1;
    this.isPaused = false;
    for (const chunk of this.held.splice(0)) {
      this.emit('data', chunk);
    }
  }

  /** Sends raw bytes from the server; held back while paused. */
  serverSendRaw(bytes: string | Buffer): void {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
    if (this.isPaused) {
      this.held.push(chunk);
    } else {
      this.emit('data', chunk);
    }
  }

  /** Bytes the server sent that the session has not been given yet. */
  get heldBytes(): number {
    return this.held.reduce((sum, chunk) => sum + chunk.length, 0);
  }
}

/** A transport without pause and resume, as the interface allows. */
class UnpausableTransport extends EventEmitter implements NetconfTransport {
  write(): void {}
  end(): void {}
}

function notification(index: number): string {
  return `<notification xmlns="${NOTIFICATION_NS}"><eventTime>2024-05-06T07:08:0${index}Z</eventTime><n>${index}</n></notification>`;
}

/** Starts a session over `transport` with a server that offers base:1.1 (chunked framing). */
async function startSession<T extends EventEmitter & NetconfTransport>(
  transport: T,
  options: { closeTimeoutMs?: number; logger?: Logger } = {},
): Promise<NetconfSession> {
  const starting = NetconfSession.start(transport, { helloTimeoutMs: 1000, closeTimeoutMs: options.closeTimeoutMs ?? 2000, logger: options.logger });
  transport.emit('data', encodeFrame(buildHello([BASE_1_0, BASE_1_1], 7), 'eom'));
  return starting;
}

function collect(session: NetconfSession): string[] {
  const received: string[] = [];
  session.on('notification', (item: NetconfNotification) => received.push(item.xml));
  return received;
}

describe('NetconfSession.pause', () => {
  it('pauses the transport once and reports paused', async () => {
    const transport = new PausableTransport();
    const session = await startSession(transport);
    assert.equal(session.paused, false);

    session.pause();
    session.pause();

    assert.equal(session.paused, true);
    assert.equal(transport.pauseCalls, 1);
    assert.equal(transport.resumeCalls, 0);
  });

  it('resumes the transport and delivers what arrived meanwhile', async () => {
    const transport = new PausableTransport();
    const session = await startSession(transport);
    const received = collect(session);

    session.pause();
    transport.serverSendRaw(encodeFrame(notification(1), 'chunked'));
    assert.deepEqual(received, []);
    assert.ok(transport.heldBytes > 0);

    session.resume();
    session.resume();

    assert.equal(session.paused, false);
    assert.equal(transport.resumeCalls, 1);
    assert.deepEqual(received, [notification(1)]);
  });

  it('still delivers messages already in the chunk being read', async () => {
    const transport = new PausableTransport();
    const session = await startSession(transport);
    const received: string[] = [];
    session.on('notification', (item) => {
      received.push(item.xml);
      session.pause();
    });

    const oneChunk = Buffer.concat([1, 2, 3].map((index) => encodeFrame(notification(index), 'chunked')));
    transport.serverSendRaw(oneChunk);

    assert.deepEqual(received, [notification(1), notification(2), notification(3)]);
    assert.equal(transport.pauseCalls, 1);
  });

  it('completes a message split across the pause after resume', async () => {
    const transport = new PausableTransport();
    const session = await startSession(transport);
    const received = collect(session);
    const frame = encodeFrame(notification(4), 'chunked');

    transport.serverSendRaw(frame.subarray(0, 20));
    session.pause();
    transport.serverSendRaw(frame.subarray(20));
    assert.deepEqual(received, []);

    session.resume();
    assert.deepEqual(received, [notification(4)]);
  });

  it('resumes a paused session to read the close-session reply', async () => {
    const transport = new PausableTransport();
    const session = await startSession(transport, { closeTimeoutMs: 5000 });
    session.pause();
    transport.writes.splice(0);

    const startedAt = Date.now();
    const closing = session.close();
    assert.equal(transport.resumeCalls, 1);
    const decoder = new FrameDecoder({ framing: 'chunked' });
    const [request] = decoder.push(Buffer.concat(transport.writes));
    const messageId = /message-id="([^"]+)"/.exec(request!.toString('utf8'))?.[1];
    assert.ok(messageId, 'close-session was written with a message-id');
    transport.serverSendRaw(encodeFrame(`<rpc-reply xmlns="${BASE_NS}" message-id="${messageId}"><ok/></rpc-reply>`, 'chunked'));
    await closing;

    assert.ok(Date.now() - startedAt < 1000, 'close() returned on the reply, not after closeTimeoutMs');
    assert.equal(session.closed, true);
    assert.equal(transport.ended, true);
  });

  it('ignores pause after close', async () => {
    const transport = new PausableTransport();
    const session = await startSession(transport, { closeTimeoutMs: 10 });
    await session.close();

    session.pause();

    assert.equal(session.paused, false);
    assert.equal(transport.pauseCalls, 0);
  });

  it('keeps delivering over a transport without pause and warns', async () => {
    const entries: Array<Record<string, unknown>> = [];
    const logger: Logger = pino({ level: 'warn' }, { write: (line: string) => entries.push(JSON.parse(line) as Record<string, unknown>) });
    const transport = new UnpausableTransport();
    const session = await startSession(transport, { logger });
    const received = collect(session);

    session.pause();
    transport.emit('data', encodeFrame(notification(5), 'chunked'));

    assert.equal(session.paused, true);
    assert.deepEqual(received, [notification(5)]);
    const warning = entries.find((entry) => String(entry.msg).includes('cannot pause'));
    assert.ok(warning, 'a warning says the transport cannot pause');
    assert.equal(warning.level, 40);
  });
});
