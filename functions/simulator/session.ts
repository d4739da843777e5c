import type { ServerChannel } from 'ssh2';
import type { Logger } from '../common/logger.js';
import { firstChild, parseXml, type XmlElement } from '../common/xml.js';
import { NetconfFramingError } from '../netconf/errors.js';
import { FrameDecoder, encodeFrame, type Framing } from '../netconf/framing.js';
import { BASE_1_0, BASE_1_1, buildHello, chooseFraming, hasCapability, parseHello } from '../netconf/hello.js';
import { ESC_NAMESPACE, NOTIFICATION_NAMESPACE } from './notifications.js';
import {
  BASE_NAMESPACE,
  buildDataReply,
  buildErrorReply,
  buildOkReply,
  parseVmAction,
  rawRootAttributes,
  type RpcErrorSpec,
  type VmActionRequest,
} from './rpc.js';

/** Simulator response to a vmAction request that passed validation. */
export type VmActionOutcome =
  | { kind: 'ok' }
  | { kind: 'rpc-error'; error: RpcErrorSpec }
  | { kind: 'no-reply' }
  | { kind: 'drop-session' };

/** Simulator core operations that one NETCONF session calls. */
export interface SessionHandler {
  handleVmAction(request: VmActionRequest): VmActionOutcome;
  opdataXml(): string;
  countRpc(): void;
  countNotification(): void;
  sessionClosed(session: NetconfServerSession): void;
  /** Ends the whole SSH connection of this session. */
  dropConnection(session: NetconfServerSession): void;
}

const STREAMS = new Set(['escEvent', 'NETCONF']);

/**
 * Server side of one NETCONF session on an SSH `netconf` subsystem channel: hello
 * exchange, RFC 6242 framing, RPC dispatch and notification delivery.
 */
export class NetconfServerSession {
  readonly sessionId: number;
  private readonly channel: ServerChannel;
  private readonly capabilities: readonly string[];
  private readonly handler: SessionHandler;
  private readonly logger: Logger;
  private readonly decoder = new FrameDecoder({ framing: 'eom', maxMessageBytes: 4 * 1024 * 1024 });
  private framing: Framing = 'eom';
  private helloReceived = false;
  private closed = false;
  /** Stream name once `create-subscription` succeeded. */
  subscribedStream: string | undefined;

  constructor(options: {
    channel: ServerChannel;
    sessionId: number;
    capabilities: readonly string[];
    handler: SessionHandler;
    logger: Logger;
  }) {
    this.channel = options.channel;
    this.sessionId = options.sessionId;
    this.capabilities = options.capabilities;
    this.handler = options.handler;
    this.logger = options.logger.child({ sessionId: options.sessionId });

    this.channel.on('data', (data: Buffer) => this.receive(data));
    this.channel.on('close', () => this.markClosed());
    this.channel.on('error', (error: Error) => {
      this.logger.warn({ err: error }, 'netconf channel error');
      this.markClosed();
    });
    // Both peers send their hello at once (RFC 6241 section 8.1). Ours is its own write and
    // always end-of-message framed, because no framing has been negotiated yet.
    this.channel.write(encodeFrame(buildHello(this.capabilities, this.sessionId), 'eom'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Writes one notification if this session is subscribed; returns whether it was written. */
  sendNotification(xml: string): boolean {
    if (this.closed || this.subscribedStream === undefined) {
      return false;
    }
    this.channel.write(encodeFrame(xml, this.framing));
    this.handler.countNotification();
    return true;
  }

  /**
   * Writes one notification and resolves once the channel accepts more data, so a caller
   * sending many notifications follows the socket's pace. Resolves false when not subscribed.
   */
  async sendNotificationPaced(xml: string): Promise<boolean> {
    if (this.closed || this.subscribedStream === undefined) {
      return false;
    }
    const accepted = this.channel.write(encodeFrame(xml, this.framing));
    this.handler.countNotification();
    if (!accepted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.channel.off('drain', done);
          this.channel.off('close', done);
          resolve();
        };
        this.channel.on('drain', done);
        this.channel.on('close', done);
      });
    }
    return true;
  }

  /** Ends the channel. */
  close(): void {
    if (!this.closed) {
      this.channel.end();
      this.markClosed();
    }
  }

  private markClosed(): void {
    if (!this.closed) {
      this.closed = true;
      this.logger.debug('netconf session closed');
      this.handler.sessionClosed(this);
    }
  }

  private receive(data: Buffer): void {
    try {
      this.decode(data);
    } catch (error) {
      // Bad framing from one client ends that session only. Any other error is a bug and is thrown.
      if (!(error instanceof NetconfFramingError)) {
        throw error;
      }
      this.logger.warn({ err: error }, 'netconf framing error, closing session');
      this.close();
    }
  }

  /** Decodes received bytes and handles each message. @throws NetconfFramingError on bad framing. */
  private decode(data: Buffer): void {
    for (const message of this.decoder.push(data)) {
      if (this.closed) {
        return;
      }
      if (!this.helloReceived) {
        this.receiveHello(message);
        // The client's first rpc may have arrived in the same read, framed the new way:
        // the decoder re-reads its buffered bytes after setFraming.
        if (this.framing === 'chunked') {
          for (const next of this.decoder.push(Buffer.alloc(0))) {
            this.receiveRpc(next);
          }
          return;
        }
        continue;
      }
      this.receiveRpc(message);
    }
  }

  private receiveHello(message: Buffer): void {
    let remoteCapabilities: string[];
    try {
      const hello = parseHello(message);
      if (hello.sessionId !== undefined) {
        // RFC 6241 section 8.1: a client hello with a session-id ends the session.
        this.logger.warn({ clientSessionId: hello.sessionId }, 'client hello carries a session-id, closing session');
        this.close();
        return;
      }
      remoteCapabilities = hello.capabilities;
    } catch (error) {
      this.logger.warn({ err: error }, 'invalid client hello, closing session');
      this.close();
      return;
    }
    const sharesBase = [BASE_1_0, BASE_1_1].some(
      (base) => hasCapability(this.capabilities, base) && hasCapability(remoteCapabilities, base),
    );
    if (!sharesBase) {
      this.logger.warn({ remoteCapabilities }, 'client shares no NETCONF base version, closing session');
      this.close();
      return;
    }
    this.helloReceived = true;
    this.framing = chooseFraming(this.capabilities, remoteCapabilities);
    this.decoder.setFraming(this.framing);
    this.logger.info({ framing: this.framing }, 'netconf session established');
  }

  private write(xml: string): void {
    if (!this.closed) {
      this.channel.write(encodeFrame(xml, this.framing));
    }
  }

  private receiveRpc(message: Buffer): void {
    this.handler.countRpc();
    const text = message.toString('utf8');
    let root: XmlElement;
    try {
      root = parseXml(text);
    } catch (error) {
      this.write(buildErrorReply([], { type: 'rpc', tag: 'malformed-message', message: (error as Error).message }));
      return;
    }
    if (root.localName !== 'rpc' || root.namespace !== BASE_NAMESPACE) {
      this.write(buildErrorReply([], {
        type: 'protocol',
        tag: 'unknown-element',
        message: `Expected <rpc> in namespace ${BASE_NAMESPACE}, got <${root.localName}> in namespace "${root.namespace}"`,
        info: { 'bad-element': root.localName },
      }));
      return;
    }
    const echoed = rawRootAttributes(text);
    if (root.attributes['message-id'] === undefined) {
      this.write(buildErrorReply(echoed, {
        type: 'rpc',
        tag: 'missing-attribute',
        message: 'The rpc element has no message-id attribute',
        info: { 'bad-attribute': 'message-id', 'bad-element': 'rpc' },
      }));
      return;
    }
    const operation = root.children[0];
    if (operation === undefined) {
      this.write(buildErrorReply(echoed, {
        type: 'rpc',
        tag: 'missing-element',
        message: 'The rpc element contains no operation',
        info: { 'bad-element': 'rpc' },
      }));
      return;
    }
    this.dispatch(operation, echoed);
  }

  private dispatch(operation: XmlElement, echoed: string[]): void {
    const isBase = operation.namespace === BASE_NAMESPACE;
    if (isBase && operation.localName === 'close-session') {
      this.write(buildOkReply(echoed));
      this.close();
      return;
    }
    if (this.subscribedStream !== undefined) {
      // ESC does not offer :interleave (RFC 5277 section 6), so a subscribed session
      // accepts nothing but close-session.
      this.write(buildErrorReply(echoed, {
        type: 'protocol',
        tag: 'operation-not-supported',
        message: `This session is subscribed to notifications and the server does not support :interleave; only close-session is allowed, got ${operation.localName}`,
      }));
      return;
    }
    if (operation.namespace === NOTIFICATION_NAMESPACE && operation.localName === 'create-subscription') {
      this.createSubscription(operation, echoed);
    } else if (isBase && operation.localName === 'get') {
      this.write(buildDataReply(echoed, this.handler.opdataXml()));
    } else if (isBase && operation.localName === 'edit-config') {
      this.editConfig(operation, echoed);
    } else if (operation.namespace === ESC_NAMESPACE && operation.localName === 'vmAction') {
      this.vmAction(parseVmAction(operation, 'rpc', '/rpc/esc:vmAction'), echoed);
    } else {
      this.write(buildErrorReply(echoed, {
        type: 'protocol',
        tag: 'operation-not-supported',
        message: `Operation ${operation.localName} in namespace "${operation.namespace}" is not supported by this server`,
      }));
    }
  }

  private createSubscription(operation: XmlElement, echoed: string[]): void {
    const streamElement = firstChild(operation, 'stream', NOTIFICATION_NAMESPACE);
    const stream = streamElement === undefined ? 'NETCONF' : streamElement.text.trim();
    if (!STREAMS.has(stream)) {
      this.write(buildErrorReply(echoed, {
        type: 'application',
        tag: 'invalid-value',
        message: `Unknown notification stream "${stream}"; available streams: escEvent, NETCONF`,
        path: '/rpc/create-subscription/stream',
        info: { 'bad-element': 'stream' },
      }));
      return;
    }
    if (firstChild(operation, 'startTime', NOTIFICATION_NAMESPACE) !== undefined) {
      this.write(buildErrorReply(echoed, {
        type: 'application',
        tag: 'operation-failed',
        message: `Replay is not supported for stream ${stream}; subscribe without startTime`,
        info: { 'bad-element': 'startTime' },
      }));
      return;
    }
    if (firstChild(operation, 'stopTime', NOTIFICATION_NAMESPACE) !== undefined) {
      // RFC 5277 section 2.1.1: stopTime without startTime is an error.
      this.write(buildErrorReply(echoed, {
        type: 'protocol',
        tag: 'missing-element',
        message: 'stopTime requires startTime, and replay is not supported',
        info: { 'bad-element': 'startTime' },
      }));
      return;
    }
    // NOTE: a <filter> is accepted and ignored; every event reaches the subscriber.
    this.write(buildOkReply(echoed));
    this.subscribedStream = stream;
    this.logger.info({ stream }, 'notification subscription created');
  }

  private editConfig(operation: XmlElement, echoed: string[]): void {
    const target = firstChild(operation, 'target', BASE_NAMESPACE);
    if (target === undefined || firstChild(target, 'running', BASE_NAMESPACE) === undefined) {
      this.write(buildErrorReply(echoed, {
        type: 'protocol',
        tag: 'invalid-value',
        message: 'edit-config target must be <running/>, the only datastore this server has',
        path: '/rpc/edit-config/target',
        info: { 'bad-element': 'target' },
      }));
      return;
    }
    const config = firstChild(operation, 'config', BASE_NAMESPACE);
    const vmAction = config === undefined ? undefined : firstChild(config, 'vmAction', ESC_NAMESPACE);
    if (vmAction === undefined) {
      this.write(buildErrorReply(echoed, {
        type: 'application',
        tag: 'operation-not-supported',
        message: 'This server supports edit-config only for config/vmAction in namespace http://www.cisco.com/esc/esc',
        path: '/rpc/edit-config/config',
      }));
      return;
    }
    this.vmAction(parseVmAction(vmAction, 'editconfig', '/rpc/edit-config/config/esc:vmAction'), echoed);
  }

  private vmAction(parsed: ReturnType<typeof parseVmAction>, echoed: string[]): void {
    if (!parsed.ok) {
      this.write(buildErrorReply(echoed, parsed.error));
      return;
    }
    const outcome = this.handler.handleVmAction(parsed.request);
    this.logger.debug({ ...parsed.request, outcome: outcome.kind }, 'vmAction handled');
    switch (outcome.kind) {
      case 'ok':
        this.write(buildOkReply(echoed));
        break;
      case 'rpc-error':
        this.write(buildErrorReply(echoed, outcome.error));
        break;
      case 'no-reply':
        break;
      case 'drop-session':
        this.handler.dropConnection(this);
        break;
    }
  }
}
