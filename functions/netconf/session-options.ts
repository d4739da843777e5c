import type { Logger } from '../common/logger.js';

/**
 * The byte stream a session runs over. An ssh2 `ClientChannel` fits; tests use an in-memory fake.
 * `close` must be emitted once when the stream ends for any reason.
 */
export interface NetconfTransport {
  write(data: Buffer): void;
  end(): void;
  /**
   * Stops emitting `data` until `resume()`, so the peer is slowed by flow control. Optional:
   * over a transport without it, `NetconfSession.pause()` cannot hold data back.
   */
  pause?(): void;
  resume?(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (error?: Error) => void): unknown;
}

/** NETCONF protocol versions (RFC 6241 base capabilities) a client can offer. */
export type BaseVersion = '1.0' | '1.1';

export interface SessionOptions {
  /** Capabilities advertised besides the base capabilities. */
  capabilities?: readonly string[];
  /**
   * Base protocol versions offered in the hello. Offering only 1.0 forces end-of-message
   * framing, for a server whose chunked framing is faulty.
   * @default ['1.0', '1.1']
   */
  baseVersions?: readonly BaseVersion[];
  /**
   * Time to wait for the server's hello, in milliseconds.
   * @default 10000
   */
  helloTimeoutMs?: number;
  /**
   * Default time to wait for each RPC reply, in milliseconds.
   * @default 30000
   */
  rpcTimeoutMs?: number;
  /**
   * Time `close()` waits for the close-session reply, in milliseconds.
   * @default 5000
   */
  closeTimeoutMs?: number;
  /**
   * Upper bound on one received message, in bytes.
   * @default 67108864
   */
  maxMessageBytes?: number;
  logger?: Logger;
}
