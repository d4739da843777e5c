import type { Kafka } from 'kafkajs';
import type { EscConfig, KafkaConfig } from '../common/config.js';
import { BridgeError, describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { parseEscEventNotification, parseEscEventRoot, toEscEventRecord, type EscEventRecord } from '../esc/index.js';
import {
  CE_TYPE_PREFIX,
  ReliableProducer,
  buildDeadLetterMessage,
  cloudEventHeaders,
} from '../kafka/index.js';
import { connectNetconf, connectOptionsFromConfig, type NetconfConnectOptions, type NetconfNotification, type NetconfSession } from '../netconf/index.js';
import type { SchemaSet } from '../schema/index.js';
import { EventPublisher } from './event-publisher.js';
import { FlowControl } from './flow-control.js';
import { backoffDelayMs } from '../common/backoff.js';

export interface ListenerOptions {
  esc: EscConfig;
  kafka: KafkaConfig;
  kafkaClient: Kafka;
  schemas: SchemaSet;
  logger: Logger;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /**
   * Records waiting for Kafka at which the listener stops reading from ESC, and it resumes when
   * half as many wait. Bounds the queue, and so memory, while Kafka is slow or unreachable.
   * @default 20000
   */
  maxPending?: number;
  /** Replaces the producer built on `kafkaClient`, for tests. */
  producer?: ListenerProducer;
  /** Replaces `connectNetconf`, for tests. */
  connect?: (options: NetconfConnectOptions) => Promise<NetconfSession>;
  /** Called with each parsed event before it is queued for Kafka. */
  onEvent?: (record: EscEventRecord) => void;
}

/** Producer methods the listener uses. `ReliableProducer` implements them. */
export type ListenerProducer = Pick<ReliableProducer, 'connect' | 'disconnect' | 'send'>;

export interface ListenerStats {
  notificationsReceived: number;
  eventsProduced: number;
  deadLettersProduced: number;
  pending: number;
  sessions: number;
  subscribed: boolean;
  /** True while reading from ESC is paused because `maxPending` records waited for Kafka. */
  paused: boolean;
  /** Number of times reading from ESC was paused. */
  pauses: number;
}

/** Default of `ListenerOptions.maxPending`, the same as the LISTENER_MAX_PENDING default. */
export const DEFAULT_MAX_PENDING = 20_000;

/** Default NETCONF stream (RFC 5277), used when ESC rejects the configured one. */
const DEFAULT_STREAM = 'NETCONF';

/**
 * The long-lived listener: keeps one NETCONF session to ESC subscribed to the event
 * stream and turns every notification into an EscEvent record on Kafka. A notification
 * that cannot be parsed goes to the dead-letter topic with its raw XML. The session
 * carries nothing but the subscription, because ESC does not offer `:interleave`.
 * Lost sessions are reopened with jittered exponential backoff. When `maxPending` records
 * wait for Kafka, the listener pauses the session, so SSH and TCP flow control hold ESC back
 * instead of this process queueing without bound.
 */
export class EscEventListener {
  private readonly producer: ListenerProducer;
  private readonly publisher: EventPublisher;
  private readonly flowControl: FlowControl;
  private readonly logger: Logger;
  private session: NetconfSession | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private notificationsReceived = 0;
  private sessions = 0;
  private subscribed = false;

  constructor(private readonly options: ListenerOptions) {
    this.logger = options.logger.child({ component: 'listener', escHost: options.esc.host });
    this.producer = options.producer ?? new ReliableProducer(options.kafkaClient, this.logger);
    this.flowControl = new FlowControl({ maxPending: options.maxPending ?? DEFAULT_MAX_PENDING, logger: this.logger });
    this.publisher = new EventPublisher({
      producer: this.producer,
      deadLetterTopic: options.kafka.topics.deadLetter,
      escHost: options.esc.host,
      logger: this.logger,
      onPendingChange: (pending) => this.flowControl.update(pending),
    });
  }

  /**
   * Connects the producer, then opens and subscribes the first session, retrying
   * retriable failures (ESC unreachable, for example) with backoff. Resolves once
   * subscribed. Rejects on a failure a retry cannot fix: a host key mismatch, rejected
   * credentials or a rejected subscription. Later session losses are retried in the
   * background.
   */
  async start(): Promise<void> {
    await this.producer.connect();
    this.running = true;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.openSession();
        break;
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable !== true || !this.running) {
          this.running = false;
          await this.producer.disconnect();
          throw error;
        }
        const delayMs = backoffDelayMs(attempt, this.options.reconnectMinMs, this.options.reconnectMaxMs);
        this.logger.warn({ err: error, attempt, delayMs }, 'connecting to ESC failed, retrying');
        await this.pause(delayMs);
        if (!this.running) {
          await this.producer.disconnect();
          throw new BridgeError('LISTENER_STOPPED', 'the listener was stopped before it could subscribe to ESC');
        }
      }
    }
    this.loop = this.superviseSession();
  }

  /** Waits `delayMs`, or less when `stop()` is called meanwhile. */
  private pause(delayMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  stats(): ListenerStats {
    return {
      notificationsReceived: this.notificationsReceived,
      eventsProduced: this.publisher.counters.eventsProduced,
      deadLettersProduced: this.publisher.counters.deadLettersProduced,
      pending: this.publisher.pending,
      sessions: this.sessions,
      subscribed: this.subscribed,
      paused: this.flowControl.paused,
      pauses: this.flowControl.pauseCount,
    };
  }

  /** Resolves once every notification received so far is acknowledged by Kafka. */
  drain(): Promise<void> {
    return this.publisher.drain();
  }

  /**
   * Closes the session, waits up to `drainTimeoutMs` for queued records to be acknowledged,
   * then disconnects. Records Kafka did not acknowledge by then are logged at error with
   * their raw XML, so an operator can recover them.
   */
  async stop(drainTimeoutMs = 15_000): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    this.wakeUp?.();
    await this.session?.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the NETCONF session failed'));
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.publisher.drain(), new Promise((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)))]);
    clearTimeout(timer);
    this.publisher.stop();
    const unsent = this.publisher.unsent();
    if (unsent.length > 0) {
      this.logger.error({ unsent: unsent.length, drainTimeoutMs }, 'listener stopped with records not acknowledged by Kafka');
      for (const record of unsent) {
        this.logger.error({ topic: record.topic, rawXml: record.rawXml.toString('utf8') }, 'notification not published');
      }
    }
    await this.producer.disconnect();
    this.logger.info(this.stats(), 'listener stopped');
  }

  private async openSession(): Promise<void> {
    const { esc } = this.options;
    const connect = this.options.connect ?? connectNetconf;
    const session = await connect(connectOptionsFromConfig(esc, this.logger));
    this.sessions += 1;
    session.on('notification', (notification: NetconfNotification) => this.handleNotification(notification));
    this.session = session;
    try {
      await this.subscribe(session);
    } catch (error) {
      await session.close().catch(() => undefined);
      throw error;
    }
    // stop() may have run while this session was being opened; it could not close it then.
    if (!this.running) {
      await session.close().catch(() => undefined);
      throw new BridgeError('LISTENER_STOPPED', 'the listener was stopped while it was subscribing to ESC');
    }
    // Flow control takes the session only once subscribed, because a paused session could not read
    // the create-subscription reply. A session opened while the queue is still above the low-water
    // mark is paused here, so only notifications read together with the reply get through first.
    this.flowControl.attach(session);
    session.once('close', () => this.flowControl.detach(session));
  }

  private async subscribe(session: NetconfSession): Promise<void> {
    const stream = this.options.esc.stream;
    const reply = await session.createSubscription({ stream });
    if (reply.ok) {
      this.subscribed = true;
      this.logger.info({ stream, sessionId: session.sessionId }, 'subscribed to notifications');
      return;
    }
    this.logger.error(
      { stream, sessionId: session.sessionId, rpcErrors: reply.errors },
      `ESC rejected the subscription to stream ${stream}; subscribing to the default stream ${DEFAULT_STREAM} instead. Check ESC_STREAM`,
    );
    const fallback = await session.createSubscription({});
    if (!fallback.ok) {
      const message = fallback.errors.map((error) => error.errorMessage ?? error.errorTag).join('; ');
      throw new BridgeError(
        'ESC_SUBSCRIPTION_REJECTED',
        `ESC rejected create-subscription for stream ${stream} and for the default stream: ${message}`,
        { retriable: false },
      );
    }
    this.subscribed = true;
    this.logger.warn({ stream: DEFAULT_STREAM, sessionId: session.sessionId }, 'subscribed to the default notification stream');
  }

  /** Waits for the session to close, then reconnects with backoff until stopped. */
  private async superviseSession(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      const session = this.session;
      if (session && !session.closed) {
        const closeError = await new Promise<Error | undefined>((resolve) => {
          session.once('close', resolve);
          this.wakeUp = () => resolve(undefined);
        });
        this.subscribed = false;
        if (!this.running) {
          return;
        }
        this.logger.warn(
          { err: closeError, sessionId: session.sessionId },
          'NETCONF session lost; notifications ESC sends before the new subscription are lost unless ESC replays them',
        );
        attempt = 0;
      }

      const delayMs = backoffDelayMs(attempt, this.options.reconnectMinMs, this.options.reconnectMaxMs);
      attempt += 1;
      this.logger.info({ attempt, delayMs }, 'reconnecting to ESC');
      await this.pause(delayMs);
      if (!this.running) {
        return;
      }
      try {
        await this.openSession();
        attempt = 0;
      } catch (error) {
        this.session = undefined;
        if (!this.running) {
          return;
        }
        const retriable = (error as { retriable?: boolean }).retriable !== false;
        this.logger.error({ err: error, attempt, retriable }, 'reconnecting to ESC failed');
      }
    }
  }

  private handleNotification(notification: NetconfNotification): void {
    this.notificationsReceived += 1;
    const { topics } = this.options.kafka;
    const rawXml = Buffer.from(notification.xml, 'utf8');
    try {
      if (notification.parseError) {
        throw notification.parseError;
      }
      // The session parsed the message already; parsing the text again is only the fallback.
      const fields = notification.root
        ? parseEscEventRoot(notification.root)
        : parseEscEventNotification(rawXml, { maxBytes: this.options.esc.maxMessageBytes });
      const record = toEscEventRecord(fields, { escHost: this.options.esc.host, receivedAt: notification.receivedAt });
      const value = this.options.schemas.encode('EscEvent', record);
      this.options.onEvent?.(record);
      this.publisher.enqueue({
        topic: topics.events,
        isEvent: true,
        rawXml,
        message: {
          key: record.depid ?? record.tenant ?? null,
          value,
          headers: cloudEventHeaders({
            id: record.eventId,
            source: `esc://${this.options.esc.host}`,
            type: `${CE_TYPE_PREFIX}.escEvent.${record.eventType}`,
            time: record.eventTime,
            subject: record.depid ?? record.tenant,
            extensions: { escstatus: record.status, escdepname: record.depname, esctenant: record.tenant },
          }),
        },
      });
      this.logger.debug({ eventId: record.eventId, eventType: record.eventType, status: record.status }, 'notification queued');
    } catch (error) {
      // Errors with a code are expected rejections of bad input; others are bugs and keep their stack.
      const knownCode = (error as { code?: string }).code;
      const errorCode = knownCode ?? 'LISTENER_INTERNAL_ERROR';
      this.logger.warn(
        { errorCode, reason: describeError(error), bytes: rawXml.length, ...(knownCode ? {} : { err: error }) },
        'notification could not be turned into a record, sending it to the dead-letter topic',
      );
      this.publisher.enqueue({
        topic: topics.deadLetter,
        isEvent: false,
        rawXml,
        message: buildDeadLetterMessage({
          rawValue: rawXml,
          key: null,
          errorCode,
          reason: describeError(error),
          component: 'listener',
          source: { escHost: this.options.esc.host },
          contentType: 'application/xml',
          failedAt: Date.now(),
        }),
      });
    }
  }
}
