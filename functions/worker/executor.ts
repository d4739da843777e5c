import type { EscConfig } from '../common/config.js';
import { backoffDelayMs } from '../common/backoff.js';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { buildVmActionOperation, type RpcErrorRecord } from '../esc/index.js';
import { connectNetconf, connectOptionsFromConfig, type NetconfConnectOptions, type NetconfSession, type RpcError } from '../netconf/index.js';

export interface VmAction {
  actionType: string;
  vmName: string;
  force: boolean | null;
}

/** The reply ESC sent, or why none arrived, or that the command expired before it was sent. */
export type ExecutionOutcome =
  | { kind: 'reply'; ok: boolean; errors: RpcErrorRecord[]; messageId: string; sessionId: string | null }
  | { kind: 'failed'; reason: string; mayHaveReachedEsc: boolean; sessionId?: string | null; messageId?: string | null }
  | { kind: 'expired'; reason: string };

export interface ExecuteOptions {
  /** Epoch ms after which the request must not be sent, checked right before sending; null for none. */
  expiresAt: number | null;
}

/** Sends one vmAction to ESC. Implementations report failures as outcomes instead of throwing. */
export interface VmActionExecutor {
  execute(action: VmAction, logger: Logger, options?: ExecuteOptions): Promise<ExecutionOutcome>;
  close(): Promise<void>;
}

/**
 * Sends vmAction requests on a NETCONF session of its own (the listener's session is
 * subscribed and, without `:interleave`, cannot carry RPCs). Opens the session on first
 * use and opens a new one after a loss. A request is not re-sent after a failure, because
 * a vmAction is not idempotent.
 */
export class NetconfVmActionExecutor implements VmActionExecutor {
  private session: NetconfSession | undefined;
  private connecting: Promise<NetconfSession> | undefined;

  constructor(
    private readonly esc: EscConfig,
    private readonly logger: Logger,
    private readonly connect: (options: NetconfConnectOptions) => Promise<NetconfSession> = connectNetconf,
  ) {}

  async execute(action: VmAction, log: Logger, options: ExecuteOptions = { expiresAt: null }): Promise<ExecutionOutcome> {
    let operation: string;
    try {
      operation = buildVmActionOperation(action, { form: this.esc.vmActionForm });
    } catch (error) {
      log.error({ err: error }, 'vmAction request could not be built');
      return { kind: 'failed', reason: `the vmAction request could not be built: ${describeError(error)}`, mayHaveReachedEsc: false };
    }

    let session: NetconfSession;
    try {
      session = await this.getSession();
    } catch (error) {
      log.error({ err: error }, 'could not open a NETCONF session to ESC');
      return { kind: 'failed', reason: `could not connect to ESC ${this.esc.host}:${this.esc.port}: ${describeError(error)}`, mayHaveReachedEsc: false };
    }

    // Opening a session can take up to the connect and hello timeouts, so check expiry again.
    if (options.expiresAt !== null && Date.now() >= options.expiresAt) {
      return {
        kind: 'expired',
        reason: `command expired at ${new Date(options.expiresAt).toISOString()} while the worker was connecting to ESC; it was not sent`,
      };
    }
    try {
      const reply = await session.rpc(operation, { timeoutMs: this.esc.rpcTimeoutMs });
      return {
        kind: 'reply',
        ok: reply.ok,
        errors: reply.errors.map(toRpcErrorRecord),
        messageId: reply.messageId,
        sessionId: session.sessionId ?? null,
      };
    } catch (error) {
      const requestSent = (error as { requestSent?: boolean }).requestSent ?? true;
      log.error({ err: error, requestSent, sessionId: session.sessionId }, 'vmAction request failed without a reply');
      return {
        kind: 'failed',
        reason: `no reply from ESC: ${describeError(error)}`,
        mayHaveReachedEsc: requestSent,
        sessionId: session.sessionId ?? null,
      };
    }
  }

  /**
   * Opens the session now instead of at the first command, retrying retriable failures
   * (ESC unreachable) with backoff. Rejects at once on a failure a retry cannot fix, such
   * as a host key mismatch or rejected credentials, so a misconfigured worker stops
   * before it joins the consumer group and takes partitions from healthy workers.
   */
  async open(backoff: { minMs: number; maxMs: number; isStopped?: () => boolean }): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.getSession();
        return;
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable !== true || backoff.isStopped?.()) {
          throw error;
        }
        const delayMs = backoffDelayMs(attempt, backoff.minMs, backoff.maxMs);
        this.logger.warn({ err: error, attempt, delayMs }, 'connecting to ESC failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  private async getSession(): Promise<NetconfSession> {
    if (this.session && !this.session.closed) {
      return this.session;
    }
    this.connecting ??= this.openSession().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openSession(): Promise<NetconfSession> {
    const esc = this.esc;
    const session = await this.connect(connectOptionsFromConfig(esc, this.logger));
    session.on('close', (error?: Error) => {
      if (this.session === session) {
        this.logger.warn({ err: error, sessionId: session.sessionId }, 'worker NETCONF session closed; the next command opens a new one');
      }
    });
    this.session = session;
    this.logger.info({ sessionId: session.sessionId, framing: session.framing }, 'worker NETCONF session open');
    return session;
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }
}

function toRpcErrorRecord(error: RpcError): RpcErrorRecord {
  return {
    errorType: error.errorType ?? null,
    errorTag: error.errorTag ?? null,
    errorSeverity: error.errorSeverity ?? null,
    errorAppTag: error.errorAppTag ?? null,
    errorPath: error.errorPath ?? null,
    errorMessage: error.errorMessage ?? null,
    errorInfo: error.errorInfo ?? null,
  };
}
