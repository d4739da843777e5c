import { EventEmitter } from 'node:events';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { silentLogger, type Logger } from '../common/logger.js';
import { NetconfAuthError, NetconfConnectError, NetconfError, NetconfHostKeyError } from './errors.js';
import {
  checkHostKey,
  decodeSha256Fingerprint,
  loadKnownHosts,
  preferredHostKeyAlgorithms,
  sha256Fingerprint,
  type HostKeyPolicy,
  type KnownHostsEntry,
} from './host-key.js';
import { NetconfSession, type NetconfTransport } from './session.js';
import type { BaseVersion } from './session-options.js';

export type { HostKeyPolicy } from './host-key.js';

/** Options of `connectNetconf`. Durations are in milliseconds. */
export interface NetconfConnectOptions {
  host: string;
  /** NETCONF over SSH uses port 830 (RFC 6242 section 3). */
  port: number;
  username: string;
  password?: string;
  /** Private key in OpenSSH or PEM format. */
  privateKey?: string | Buffer;
  passphrase?: string;
  hostKey: HostKeyPolicy;
  /**
   * Time allowed for TCP connect, SSH handshake and authentication.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /** @default 10000 */
  helloTimeoutMs?: number;
  /** Default time to wait for each RPC reply. @default 30000 */
  rpcTimeoutMs?: number;
  /** Interval of SSH keepalive requests; 0 disables them. @default 15000 */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives after which the connection is dropped. @default 3 */
  keepaliveCountMax?: number;
  /** Upper bound on one received NETCONF message, in bytes. @default 67108864 */
  maxMessageBytes?: number;
  /** Capabilities advertised besides the base capabilities. */
  capabilities?: string[];
  /** Base protocol versions offered in the hello. @default ['1.0', '1.1'] */
  baseVersions?: readonly BaseVersion[];
  logger?: Logger;
}

/**
 * Opens an SSH connection, checks the server's host key before any credential is sent, starts
 * the `netconf` subsystem and runs the hello exchange. Closing the session ends the SSH connection.
 * @throws NetconfHostKeyError, NetconfAuthError, NetconfConnectError, or the errors of `NetconfSession.start`.
 */
export async function connectNetconf(options: NetconfConnectOptions): Promise<NetconfSession> {
  const logger = (options.logger ?? silentLogger()).child({ host: options.host, port: options.port });
  if (options.hostKey.kind === 'fingerprint') {
    // Rejects an unreadable fingerprint before connecting, with its own message.
    decodeSha256Fingerprint(options.hostKey.sha256);
  }
  const knownHosts = options.hostKey.kind === 'known-hosts' ? await loadKnownHosts(options.hostKey.path) : undefined;
  if (options.hostKey.kind === 'insecure-accept-any') {
    logger.warn('host key verification is disabled (insecure-accept-any): the connection can be intercepted; pin a fingerprint or use a known_hosts file');
  }

  const client = new Client();
  const channel = await openNetconfChannel(client, options, logger, knownHosts);
  const transport = new SshChannelTransport(client, channel);
  try {
    const session = await NetconfSession.start(transport, {
      capabilities: options.capabilities,
      baseVersions: options.baseVersions,
      helloTimeoutMs: options.helloTimeoutMs,
      rpcTimeoutMs: options.rpcTimeoutMs,
      maxMessageBytes: options.maxMessageBytes,
      logger,
    });
    session.once('close', () => client.end());
    return session;
  } catch (error) {
    client.end();
    throw error;
  }
}

function openNetconfChannel(
  client: Client,
  options: NetconfConnectOptions,
  logger: Logger,
  knownHosts: KnownHostsEntry[] | undefined,
): Promise<ClientChannel> {
  const { host, port } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  let hostKeyError: NetconfHostKeyError | undefined;

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: NetconfError): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        client.end();
        reject(error);
      }
    };
    // ssh2's readyTimeout does not cover a TCP connect that hangs, so one timer covers all steps.
    const timer = setTimeout(() => {
      fail(new NetconfConnectError(`Connecting to ${host}:${port} timed out after ${connectTimeoutMs} ms; check the address and that an SSH server listens there, or raise connectTimeoutMs`));
      client.destroy();
    }, connectTimeoutMs);

    client.on('error', (error: Error & { level?: string }) => {
      if (hostKeyError !== undefined) {
        fail(hostKeyError);
      } else if (error.level === 'client-authentication') {
        fail(new NetconfAuthError(`SSH authentication as "${options.username}" to ${host}:${port} failed; check the username, password or private key`, { cause: error }));
      } else {
        fail(new NetconfConnectError(`SSH connection to ${host}:${port} failed: ${error.message}`, { cause: error }));
      }
    });
    client.on('close', () => fail(hostKeyError ?? new NetconfConnectError(`SSH connection to ${host}:${port} closed before the netconf subsystem started`)));
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      // Servers that allow passwords only through keyboard-interactive ask for one echo-off prompt.
      finish(prompts.map(() => options.password ?? ''));
    });
    client.on('ready', () => {
      logger.debug('ssh connection ready');
      client.subsys('netconf', (error, channel) => {
        if (error !== undefined && error !== null) {
          fail(new NetconfConnectError(`SSH server ${host}:${port} rejected the netconf subsystem request: ${error.message}`, { cause: error }));
          return;
        }
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(channel);
        } else {
          channel.close();
        }
      });
    });

    const config: ConnectConfig = {
      host,
      port,
      username: options.username,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
      tryKeyboard: options.password !== undefined,
      // ssh2 calls hostVerifier during key exchange, before any authentication request is sent.
      hostVerifier: (keyBlob: Buffer): boolean => {
        try {
          hostKeyError = checkHostKey({ policy: options.hostKey, host, port, keyBlob, knownHosts });
        } catch (error) {
          hostKeyError = new NetconfHostKeyError(`Checking the host key of ${host}:${port} failed: ${(error as Error).message}`, { cause: error });
        }
        if (hostKeyError !== undefined) {
          logger.error({ fingerprint: sha256Fingerprint(keyBlob), err: hostKeyError }, 'ssh host key rejected');
          return false;
        }
        logger.debug({ fingerprint: sha256Fingerprint(keyBlob) }, 'ssh host key accepted');
        return true;
      },
    };
    const hostKeyAlgorithms = knownHosts === undefined ? undefined : preferredHostKeyAlgorithms(knownHosts, host, port);
    if (hostKeyAlgorithms !== undefined) {
      config.algorithms = { serverHostKey: hostKeyAlgorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    }
    if (options.password !== undefined) {
      config.password = options.password;
    }
    if (options.privateKey !== undefined) {
      config.privateKey = options.privateKey;
    }
    if (options.passphrase !== undefined) {
      config.passphrase = options.passphrase;
    }
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 throws synchronously for a private key it cannot parse (or a wrong passphrase).
      fail(new NetconfAuthError(`SSH client configuration for ${host}:${port} is invalid: ${(error as Error).message}`, { cause: error }));
    }
  });
}

/**
 * Adapts an ssh2 channel to `NetconfTransport`. The connection's errors and close are reported
 * as the transport's `close`, so a keepalive timeout ends the session with its cause.
 */
class SshChannelTransport extends EventEmitter implements NetconfTransport {
  private closed = false;

  constructor(private readonly client: Client, private readonly channel: ClientChannel) {
    super();
    channel.on('data', (chunk: Buffer) => this.emit('data', chunk));
    channel.on('close', () => this.emitClose(undefined));
    client.on('error', (error: Error) => this.emitClose(error));
    client.on('close', () => this.emitClose(undefined));
  }

  write(data: Buffer): void {
    // NOTE: ssh2's write() return value (backpressure) is ignored. NETCONF requests are small,
    // and replies flow in the other direction.
    this.channel.write(data);
  }

  end(): void {
    this.channel.end();
    this.client.end();
  }

  // Flow control, as read in ssh2 1.17.0 (lib/client.js CHANNEL_DATA, lib/Channel.js _read and
  // windowAdjust). The channel is a Readable with a 2 MiB highWaterMark. Once paused, incoming
  // CHANNEL_DATA is buffered until push() returns false at 2 MiB. From then on ssh2 sends no
  // window adjust, so the server may send at most the rest of its 2 MiB window. After that its
  // writes queue in its own channel, whose write() returns false once 2 MiB wait. A paused channel therefore buffers about 4 MiB at
  // most, which is 2 MiB of stream buffer plus one full window. resume() lets the buffered data
  // flow, and _read() sends the window adjust again.
  // Keepalives continue while paused: they are connection-level global requests
  // (keepalive@openssh.com) sent from a timer, and ssh2 pauses the TCP socket only until it has
  // connected. Their replies are still read, so a paused channel does not make them time out.
  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  private emitClose(error: Error | undefined): void {
    if (!this.closed) {
      this.closed = true;
      this.emit('close', error);
    }
  }
}
