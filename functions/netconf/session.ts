import { EventEmitter } from 'node:events';
import { parseXml, type XmlElement } from '../common/xml.js';
import { silentLogger, type Logger } from '../common/logger.js';
import { NetconfFramingError, NetconfProtocolError, NetconfSessionClosedError, NetconfTimeoutError } from './errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder, encodeFrame, type Framing } from './framing.js';
import { BASE_1_0, BASE_1_1, NETCONF_BASE_NAMESPACE, buildHello, chooseFraming, hasCapability, parseHello } from './hello.js';
import { buildRpc, readRpcReply, type RpcReply } from './rpc-reply.js';
import { PendingRequests } from './pending-requests.js';
import type { NetconfTransport, SessionOptions } from './session-options.js';
import {
  NOTIFICATION_NAMESPACE,
  buildCreateSubscription,
  readNotification,
  type CreateSubscriptionOptions,
  type NetconfNotification,
} from './notification.js';

export type { NetconfNotification } from './notification.js';

export type { BaseVersion, NetconfTransport, SessionOptions } from './session-options.js';

/**
 * A NETCONF client session (RFC 6241) over one transport. Replies are matched to requests by
 * message-id. Every other message is emitted in arrival order as a `notification` event, and one
 * that is not a well-formed `<notification>` in the RFC 5277 namespace carries `parseError`, so the
 * caller can keep its raw text. `close` is emitted once, with the error when the session did not
 * end through `close()`. An exception thrown by a listener is logged and does not end the session.
 */
export class NetconfSession extends EventEmitter {
  private sessionIdValue: string | undefined;
  private serverCapabilitiesValue: readonly string[] = [];
  private framingValue: Framing = 'eom';
  private closedValue = false;
  private pausedValue = false;

  private readonly transport: NetconfTransport;
  private readonly decoder: FrameDecoder;
  private readonly localCapabilities: string[];
  private readonly rpcTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private logger: Logger;
  private readonly pending = new PendingRequests();
  private nextMessageId = 1;
  private helloWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  private closing: Promise<void> | undefined;

  private constructor(transport: NetconfTransport, options: SessionOptions) {
    super();
    this.transport = transport;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.decoder = new FrameDecoder({ framing: 'eom', maxMessageBytes: this.maxMessageBytes });
    const baseVersions = options.baseVersions ?? ['1.0', '1.1'];
    if (baseVersions.length === 0) {
      throw new NetconfProtocolError('baseVersions is empty: offer at least one of 1.0 and 1.1');
    }
    const baseCapabilities = baseVersions.map((version) => (version === '1.0' ? BASE_1_0 : BASE_1_1));
    this.localCapabilities = [...new Set([...baseCapabilities, ...(options.capabilities ?? [])])];
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 30_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.logger = options.logger ?? silentLogger();
  }

  /** The server's session-id, from its hello. */
  get sessionId(): string | undefined {
    return this.sessionIdValue;
  }

  get serverCapabilities(): readonly string[] {
    return this.serverCapabilitiesValue;
  }

  /** Framing in use: `eom` until the hello exchange, then as `chooseFraming` decides. */
  get framing(): Framing {
    return this.framingValue;
  }

  get closed(): boolean {
    return this.closedValue;
  }

  /** True between `pause()` and `resume()`. */
  get paused(): boolean {
    return this.pausedValue;
  }

  /**
   * Stops reading from the transport, so the transport's flow control (over SSH, the channel
   * window) slows the server instead of this process buffering without bound. Messages already received
   * are still decoded and emitted: the rest of the chunk being read when `pause()` is called,
   * including a notification that follows the one whose listener paused. RPC replies are not read
   * while paused either, so an `rpc()` sent meanwhile times out unless `resume()` comes first.
   * Over a transport without `pause`, data keeps arriving and a warning is logged. Does nothing
   * once `close()` was called. Idempotent.
   */
  pause(): void {
    if (this.pausedValue || this.closedValue || this.closing !== undefined) {
      return;
    }
    this.pausedValue = true;
    if (this.transport.pause === undefined) {
      this.logger.warn('netconf transport cannot pause, so messages keep arriving while the session is paused');
      return;
    }
    this.transport.pause();
    this.logger.debug('netconf session paused');
  }

  /** Starts reading from the transport again after `pause()`. Idempotent. */
  resume(): void {
    if (!this.pausedValue || this.closedValue) {
      return;
    }
    this.pausedValue = false;
    this.transport.resume?.();
    this.logger.debug('netconf session resumed');
  }

  /**
   * Sends the client hello, waits for the server hello and chooses the framing. The hello is
   * written alone and no RPC can be written before the server hello has arrived, because some
   * servers (Debian's netconfd 2.13, from yuma123) stall when a hello and an RPC arrive in one read.
   * @throws NetconfTimeoutError when no hello arrives within `helloTimeoutMs`.
   * @throws NetconfProtocolError when the server hello is invalid or lists no base capability.
   * @throws NetconfSessionClosedError or NetconfFramingError when the transport closes or breaks first.
   */
  static async start(transport: NetconfTransport, options: SessionOptions = {}): Promise<NetconfSession> {
    const session = new NetconfSession(transport, options);
    transport.on('data', (chunk) => session.handleData(chunk));
    transport.on('close', (error) => session.handleTransportClose(error));

    const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    const serverHello = new Promise<void>((resolve, reject) => {
      session.helloWaiter = { resolve, reject };
    });
    session.writeMessage(buildHello(session.localCapabilities));

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NetconfTimeoutError(`No NETCONF hello from the server within ${helloTimeoutMs} ms; check that the port serves the netconf subsystem or raise helloTimeoutMs`)), helloTimeoutMs);
    });
    try {
      await Promise.race([serverHello, timeout]);
      return session;
    } catch (error) {
      session.shutDown(error as Error, false);
      throw error;
    } finally {
      clearTimeout(timer);
      session.helloWaiter = undefined;
    }
  }

  /**
   * Sends one RPC and resolves with its reply. An `rpc-error` is returned in the reply, not thrown.
   * Errors carry `requestSent`: true once the request was written, so the server may have run it.
   * @throws NetconfTimeoutError, NetconfSessionClosedError, or NetconfProtocolError for an
   *   operation that is not well-formed XML or a reply that cannot be read.
   */
  rpc(operationXml: string, options: { timeoutMs?: number } = {}): Promise<RpcReply & { messageId: string }> {
    if (this.closedValue || this.closing !== undefined) {
      return Promise.reject(new NetconfSessionClosedError('Cannot send an RPC on a closed NETCONF session; open a new session', { requestSent: false }));
    }
    return this.sendRequest(operationXml, options.timeoutMs ?? this.rpcTimeoutMs);
  }

  /** Sends `<create-subscription>` (RFC 5277 section 2.1.1); an `rpc-error` is returned in the reply. */
  createSubscription(options: CreateSubscriptionOptions = {}): Promise<RpcReply> {
    return this.rpc(buildCreateSubscription(options));
  }

  /**
   * Sends `<close-session>`, waits up to `closeTimeoutMs` for its reply, then ends the transport.
   * A paused session is resumed first so the reply can be read, so notifications the server sent
   * meanwhile are emitted too. Idempotent.
   */
  close(): Promise<void> {
    if (this.closedValue) {
      return Promise.resolve();
    }
    this.resume();
    this.closing ??= (async () => {
      try {
        await this.sendRequest('<close-session/>', this.closeTimeoutMs);
      } catch (error) {
        this.logger.warn({ err: error }, 'close-session failed, ending the transport anyway');
      }
      this.shutDown(undefined, true);
    })();
    return this.closing;
  }

  private sendRequest(operationXml: string, timeoutMs: number): Promise<RpcReply & { messageId: string }> {
    const messageId = String(this.nextMessageId);
    this.nextMessageId += 1;
    const rpcXml = buildRpc(messageId, operationXml);
    try {
      parseXml(rpcXml, { maxBytes: Number.MAX_SAFE_INTEGER });
    } catch (error) {
      return Promise.reject(new NetconfProtocolError(`NETCONF operation is not well-formed XML and was not sent: ${(error as Error).message}`, { cause: error, requestSent: false }));
    }

    const rpcLogger = this.logger.child({ messageId });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.take(messageId);
        rpcLogger.warn({ timeoutMs }, 'rpc timed out');
        reject(new NetconfTimeoutError(`No reply to NETCONF rpc message-id ${messageId} within ${timeoutMs} ms; the server may still run it`, { requestSent: true }));
      }, timeoutMs);
      this.pending.add(messageId, {
        resolve: (reply) => {
          rpcLogger.debug({ ok: reply.ok, rpcErrorCount: reply.errors.length }, 'rpc reply received');
          resolve(reply);
        },
        reject,
        timer,
      });
      try {
        this.writeMessage(rpcXml);
      } catch (error) {
        this.pending.take(messageId);
        reject(new NetconfSessionClosedError(`Writing NETCONF rpc message-id ${messageId} failed: ${(error as Error).message}`, { cause: error, requestSent: false }));
        return;
      }
      rpcLogger.debug('rpc sent');
    });
  }

  private writeMessage(xml: string): void {
    this.logger.trace({ xml, framing: this.framingValue }, 'netconf message sent');
    this.transport.write(encodeFrame(xml, this.framingValue));
  }

  private acceptServerHello(message: Buffer): void {
    const hello = parseHello(message, { maxBytes: this.maxMessageBytes });
    const shared = [BASE_1_0, BASE_1_1].filter(
      (base) => hasCapability(hello.capabilities, base) && hasCapability(this.localCapabilities, base),
    );
    if (shared.length === 0) {
      const offered = this.localCapabilities.filter((capability) => capability === BASE_1_0 || capability === BASE_1_1);
      throw new NetconfProtocolError(
        `NETCONF server hello shares no base protocol version with this client (offered ${offered.join(', ')}); check ESC_NETCONF_BASE`,
      );
    }
    this.serverCapabilitiesValue = Object.freeze([...hello.capabilities]);
    this.sessionIdValue = hello.sessionId === undefined ? undefined : String(hello.sessionId);
    this.framingValue = chooseFraming(this.localCapabilities, hello.capabilities);
    this.decoder.setFraming(this.framingValue);
    this.logger = this.logger.child({ sessionId: this.sessionIdValue });
    if (hello.sessionId === undefined) {
      this.logger.warn('server hello has no session-id');
    }
    this.logger.info({ framing: this.framingValue, capabilityCount: hello.capabilities.length }, 'netconf session established');
  }

  private handleData(chunk: Buffer): void {
    if (this.closedValue) {
      return;
    }
    // Listener exceptions are caught in emitSafely, so anything caught here is a framing error
    // or a bug in this session. Either way the session state is unknown, so the session is closed
    // with the error. Thrown into the transport's event handler, the error would end the whole
    // SSH connection (ssh2 1.17 catches it and emits 'error' on the client) or crash the process.
    try {
      let input = chunk;
      if (this.helloWaiter !== undefined) {
        // The framing changes right after the hello, so the hello is taken alone and handled
        // before any byte after it is decoded.
        const [hello] = this.decoder.push(input, 1);
        if (hello === undefined) {
          return;
        }
        this.handleServerHello(hello);
        input = Buffer.alloc(0);
      }
      for (const message of this.decoder.push(input)) {
        this.handleMessage(message);
      }
    } catch (error) {
      if (error instanceof NetconfFramingError) {
        this.logger.error({ err: error }, 'invalid netconf framing, closing the session');
      } else {
        this.logger.error({ err: error }, 'internal error while reading a netconf message, closing the session');
      }
      this.shutDown(error as Error, false);
    }
  }

  private handleServerHello(message: Buffer): void {
    const waiter = this.helloWaiter!;
    this.helloWaiter = undefined;
    try {
      this.acceptServerHello(message);
      waiter.resolve();
    } catch (error) {
      waiter.reject(error as Error);
    }
  }

  private handleMessage(message: Buffer): void {
    const xml = message.toString('utf8');
    const receivedAt = Date.now();
    this.logger.trace({ xml }, 'netconf message received');

    let root: XmlElement;
    try {
      root = parseXml(xml, { maxBytes: this.maxMessageBytes });
    } catch (error) {
      this.handleMalformedMessage(xml, error as Error, receivedAt);
      return;
    }
    if (root.localName === 'rpc-reply' && root.namespace === NETCONF_BASE_NAMESPACE) {
      this.routeReply(readRpcReply(root, xml));
    } else if (root.localName === 'notification' && root.namespace === NOTIFICATION_NAMESPACE) {
      this.emitSafely('notification', readNotification(root, xml, receivedAt));
    } else {
      const parseError = new NetconfProtocolError(describeUnexpectedRoot(root));
      this.logger.warn({ element: root.localName, namespace: root.namespace }, 'unexpected netconf message emitted with its parse error');
      this.emitSafely('notification', { xml, receivedAt, parseError } satisfies NetconfNotification);
    }
  }

  private routeReply(reply: RpcReply): void {
    let messageId = reply.messageId;
    if (messageId === undefined) {
      // RFC 6241 section 4.1 lets a server omit message-id only when it cannot read the request's.
      // This client always sends one, so with exactly one request outstanding the reply can only
      // belong to it. With none or several outstanding it matches nothing and is dropped.
      messageId = this.pending.onlyMessageId();
      if (messageId === undefined) {
        this.logger.warn({ outstanding: this.pending.size, rpcErrors: reply.errors }, 'rpc-reply without message-id dropped');
        return;
      }
      this.logger.warn({ messageId }, 'rpc-reply without message-id matched to the only outstanding request');
    }

    const pending = this.pending.take(messageId);
    if (pending === undefined) {
      this.logger.warn({ messageId }, 'rpc-reply with unknown message-id dropped');
      return;
    }
    pending.resolve({ ...reply, messageId });
  }

  private handleMalformedMessage(xml: string, error: Error, receivedAt: number): void {
    const messageId = /^\s*(?:<\?xml[^>]*>\s*)?<(?:[\w.-]+:)?rpc-reply\b[^>]*\smessage-id\s*=\s*["']([^"']*)["']/.exec(xml)?.[1];
    const pending = messageId === undefined ? undefined : this.pending.take(messageId);
    if (pending !== undefined) {
      pending.reject(new NetconfProtocolError(`NETCONF reply to message-id ${messageId} is not well-formed XML: ${error.message}`, { cause: error, requestSent: true }));
      return;
    }
    // Anything else leaves the pending requests alone: their replies may still arrive.
    this.logger.warn({ err: error, byteCount: Buffer.byteLength(xml) }, 'malformed netconf message emitted with its parse error');
    this.emitSafely('notification', { xml, receivedAt, parseError: error } satisfies NetconfNotification);
  }

  /**
   * Emits an event and logs what a listener throws instead of passing it on. Passed on, the
   * exception would reach the transport's event handler, so a listener bug would end the
   * connection or the process. NOTE: listeners registered after the one that threw miss that event.
   */
  private emitSafely(event: 'notification', payload: NetconfNotification): void;
  private emitSafely(event: 'close', payload: Error | undefined): void;
  private emitSafely(event: string, payload: unknown): void {
    try {
      this.emit(event, payload);
    } catch (error) {
      this.logger.error({ err: error, event }, `a '${event}' listener threw; the netconf session continues`);
    }
  }

  private handleTransportClose(error?: Error): void {
    if (this.closedValue) {
      return;
    }
    if (this.closing !== undefined && error === undefined) {
      // The server may close the channel as soon as it has sent the close-session reply.
      this.shutDown(undefined, true);
      return;
    }
    const buffered = this.decoder.bufferedBytes;
    const where = buffered > 0 ? ` in the middle of a message (${buffered} bytes buffered)` : '';
    const detail = error === undefined ? '' : `: ${error.message}`;
    this.shutDown(new NetconfSessionClosedError(`NETCONF transport closed${where}${detail}`, { cause: error }), false);
  }

  /** Marks the session closed, rejects every pending RPC, ends the transport and emits `close` once. */
  private shutDown(reason: Error | undefined, expected: boolean): void {
    if (this.closedValue) {
      return;
    }
    this.closedValue = true;
    const detail = reason === undefined ? '' : `: ${reason.message}`;
    this.pending.rejectAll((messageId) => new NetconfSessionClosedError(
      `NETCONF session closed before the reply to message-id ${messageId}${detail}; the server may have run the request`,
      { cause: reason, requestSent: true },
    ));
    this.helloWaiter?.reject(reason ?? new NetconfSessionClosedError('NETCONF session closed before the server hello'));
    this.helloWaiter = undefined;
    try {
      this.transport.end();
    } catch (error) {
      this.logger.debug({ err: error }, 'ending the transport failed');
    }
    if (expected) {
      this.logger.info('netconf session closed');
    } else {
      this.logger.warn({ err: reason }, 'netconf session closed unexpectedly');
    }
    this.emitSafely('close', reason);
  }
}

/** Describes why a well-formed message that is not an `rpc-reply` is not a valid notification either. */
function describeUnexpectedRoot(root: XmlElement): string {
  const namespace = root.namespace === '' ? 'no namespace' : `namespace ${root.namespace}`;
  if (root.localName === 'notification') {
    return `Root element <notification> is in ${namespace}, expected ${NOTIFICATION_NAMESPACE} (RFC 5277 section 4)`;
  }
  if (root.localName === 'rpc-reply') {
    return `Root element <rpc-reply> is in ${namespace}, expected ${NETCONF_BASE_NAMESPACE}, so it matches no request; it is not a notification either`;
  }
  return `Root element <${root.localName}> in ${namespace} is neither a <notification> in namespace ${NOTIFICATION_NAMESPACE} nor an <rpc-reply>`;
}

// Typed event overloads, so listeners get the payload types.
export interface NetconfSession {
  on(event: 'notification', listener: (notification: NetconfNotification) => void): this;
  on(event: 'close', listener: (error?: Error) => void): this;
  once(event: 'notification', listener: (notification: NetconfNotification) => void): this;
  once(event: 'close', listener: (error?: Error) => void): this;
}
