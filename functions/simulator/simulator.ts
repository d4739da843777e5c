import { readFile } from 'node:fs/promises';
import type { Connection } from 'ssh2';
import type { Logger } from '../common/logger.js';
import { parseXml } from '../common/xml.js';
import { BridgeError } from '../common/errors.js';
import type { ActionType, Inventory } from './inventory.js';
import {
  NOTIFICATION_NAMESPACE,
  buildEventNotification,
  failureSequence,
  successSequence,
  type SequenceStep,
  type SimulatedEvent,
} from './notifications.js';
import { buildOpdataXml } from './opdata.js';
import type { VmActionRequest } from './rpc.js';
import type { NetconfServerSession, SessionHandler, VmActionOutcome } from './session.js';

/**
 * A fault to inject into vmAction handling. A rule matches when each of its set fields
 * equals the request's; the first matching rule wins.
 * - `event-failure`: reply `<ok/>`, then send the documented FAILURE notification.
 * - `rpc-error`: reply with an `operation-failed` rpc-error.
 * - `no-reply`: send nothing back and change nothing.
 * - `drop-session`: close the client's SSH connection instead of replying.
 */
export interface FailureRule {
  vmName?: string;
  actionType?: string;
  mode: 'event-failure' | 'rpc-error' | 'no-reply' | 'drop-session';
}

/** Raised when a replay file is not a NETCONF notification. */
export class ReplayFileError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super('SIMULATOR_REPLAY_INVALID', message, { retriable: false, cause });
  }
}

/** Counters reported by `stats()`. */
export interface SimulatorStats {
  /** Open NETCONF sessions. */
  sessions: number;
  /** Open sessions with a notification subscription. */
  subscribers: number;
  /** Notifications written, counted once per receiving session. */
  notificationsSent: number;
  /** Messages received after the hello, well-formed or not. */
  rpcs: number;
}

/**
 * Simulator state shared by all sessions: inventory, fault rules, pending notification
 * timers and counters. Each NETCONF session calls it through `SessionHandler`.
 */
export class SimulatorCore implements SessionHandler {
  readonly inventory: Inventory;
  private readonly sessions = new Set<NetconfServerSession>();
  private readonly connections = new Map<NetconfServerSession, Connection>();
  private failures: FailureRule[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly actionDelayMs: number;
  private readonly aliveDelayMs: number;
  private readonly logger: Logger;
  private notificationCount = 0;
  private rpcCount = 0;

  constructor(options: { inventory: Inventory; failures: FailureRule[]; actionDelayMs: number; aliveDelayMs: number; logger: Logger }) {
    this.inventory = options.inventory;
    this.failures = [...options.failures];
    this.actionDelayMs = options.actionDelayMs;
    this.aliveDelayMs = options.aliveDelayMs;
    this.logger = options.logger;
  }

  addSession(session: NetconfServerSession, connection: Connection): void {
    this.sessions.add(session);
    this.connections.set(session, connection);
  }

  sessionClosed(session: NetconfServerSession): void {
    this.sessions.delete(session);
    this.connections.delete(session);
  }

  dropConnection(session: NetconfServerSession): void {
    this.logger.info({ sessionId: session.sessionId }, 'dropping connection on a failure rule');
    this.connections.get(session)?.end();
    session.close();
  }

  countRpc(): void {
    this.rpcCount += 1;
  }

  countNotification(): void {
    this.notificationCount += 1;
  }

  opdataXml(): string {
    return buildOpdataXml(this.inventory);
  }

  setFailure(rule: FailureRule): void {
    this.failures.push(rule);
  }

  clearFailures(): void {
    this.failures = [];
  }

  handleVmAction(request: VmActionRequest): VmActionOutcome {
    const check = this.inventory.checkAction(request.vmName, request.actionType);
    if (!check.ok) {
      return { kind: 'rpc-error', error: { type: 'application', tag: 'operation-failed', message: check.message } };
    }
    const rule = this.failures.find(
      (candidate) =>
        (candidate.vmName === undefined || candidate.vmName === request.vmName)
        && (candidate.actionType === undefined || candidate.actionType === request.actionType),
    );
    switch (rule?.mode) {
      case 'rpc-error':
        return {
          kind: 'rpc-error',
          error: { type: 'application', tag: 'operation-failed', message: `${request.actionType} of VM [${request.vmName}] failed (simulated failure)` },
        };
      case 'no-reply':
        return { kind: 'no-reply' };
      case 'drop-session':
        return { kind: 'drop-session' };
      case 'event-failure':
        this.schedule(failureSequence(check.vm, request.actionType));
        return { kind: 'ok' };
      case undefined:
        break;
    }
    const vm = this.inventory.applyAction(request.vmName, request.actionType as ActionType);
    this.schedule(successSequence(vm, request.actionType));
    return { kind: 'ok' };
  }

  /** Sends each step after its delay, counted from the previous step. */
  private schedule(steps: SequenceStep[]): void {
    let delayMs = 0;
    for (const step of steps) {
      delayMs += step.afterAliveDelay ? this.aliveDelayMs : this.actionDelayMs;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.emitEvent(step.event);
      }, delayMs);
      this.timers.add(timer);
    }
  }

  emitEvent(event: SimulatedEvent): number {
    return this.emitNotification(buildEventNotification({ ...event, eventTime: event.eventTime ?? new Date() }));
  }

  emitNotification(xml: string): number {
    let reached = 0;
    for (const session of this.sessions) {
      if (session.sendNotification(xml)) {
        reached += 1;
      }
    }
    this.logger.debug({ sessions: reached }, 'notification sent');
    return reached;
  }

  /**
   * Sends `count` events built from `template`, each with an eventTime 1 ms after the
   * previous one so no two are identical, pacing writes on the slowest subscriber.
   */
  async emitBurst(count: number, template: SimulatedEvent): Promise<void> {
    const startMs = Date.now();
    for (let index = 0; index < count; index += 1) {
      const xml = buildEventNotification({ ...template, eventTime: new Date(startMs + index) });
      const subscribers = [...this.sessions];
      await Promise.all(subscribers.map((session) => session.sendNotificationPaced(xml)));
    }
  }

  /**
   * Reads every file first and checks that each is a `<notification>`, then sends them
   * verbatim in order. Returns the number of notifications written, summed over sessions.
   * @throws ReplayFileError before sending anything when a file is unreadable or invalid.
   */
  async replayFiles(paths: readonly string[]): Promise<number> {
    const documents: string[] = [];
    for (const filePath of paths) {
      let text: string;
      try {
        text = await readFile(filePath, 'utf8');
      } catch (error) {
        throw new ReplayFileError(`Cannot read the replay file ${filePath}: ${(error as Error).message}`, error);
      }
      let root;
      try {
        root = parseXml(text);
      } catch (error) {
        throw new ReplayFileError(`Replay file ${filePath} is not well-formed XML: ${(error as Error).message}`, error);
      }
      if (root.localName !== 'notification' || root.namespace !== NOTIFICATION_NAMESPACE) {
        throw new ReplayFileError(`Replay file ${filePath} must contain a <notification> in namespace ${NOTIFICATION_NAMESPACE}, found <${root.localName}>`);
      }
      documents.push(text);
    }
    let written = 0;
    for (const document of documents) {
      written += this.emitNotification(document);
    }
    return written;
  }

  stats(): SimulatorStats {
    let subscribers = 0;
    for (const session of this.sessions) {
      if (session.subscribedStream !== undefined) {
        subscribers += 1;
      }
    }
    return { sessions: this.sessions.size, subscribers, notificationsSent: this.notificationCount, rpcs: this.rpcCount };
  }

  /** Cancels pending notifications and closes every session. */
  shutdown(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    for (const session of [...this.sessions]) {
      session.close();
    }
  }
}
