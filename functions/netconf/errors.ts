import { BridgeError } from '../common/errors.js';

/** Base class of the NETCONF layer's errors. */
export class NetconfError extends BridgeError {
  /**
   * True once the request bytes of an RPC were written to the transport, so the server may
   * have received and run it. Set only on errors thrown by `NetconfSession.rpc()`.
   */
  requestSent?: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown; requestSent?: boolean } = {}) {
    super(code, message, options);
    if (options.requestSent !== undefined) {
      this.requestSent = options.requestSent;
    }
  }
}

/** Input that violates RFC 6242 framing (invalid chunk header, message over the size limit). */
export class NetconfFramingError extends NetconfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('NETCONF_FRAMING', message, { ...options, retriable: true });
  }
}

/** A well-framed message that is not the NETCONF message expected (bad hello, malformed XML). */
export class NetconfProtocolError extends NetconfError {
  constructor(message: string, options: { cause?: unknown; requestSent?: boolean } = {}) {
    super('NETCONF_PROTOCOL', message, { ...options, retriable: false });
  }
}

/** No reply, hello or connection within the configured time. */
export class NetconfTimeoutError extends NetconfError {
  constructor(message: string, options: { cause?: unknown; requestSent?: boolean } = {}) {
    super('NETCONF_TIMEOUT', message, { ...options, retriable: true });
  }
}

/** The session or its transport closed before the operation finished. */
export class NetconfSessionClosedError extends NetconfError {
  constructor(message: string, options: { cause?: unknown; requestSent?: boolean } = {}) {
    super('NETCONF_SESSION_CLOSED', message, { ...options, retriable: true });
  }
}

/** The TCP or SSH connection could not be established (refused, reset, timed out). */
export class NetconfConnectError extends NetconfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('NETCONF_CONNECT', message, { ...options, retriable: true });
  }
}

/** The server rejected every offered credential; retrying with the same ones will fail again. */
export class NetconfAuthError extends NetconfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('NETCONF_AUTH', message, { ...options, retriable: false });
  }
}

/** The server's host key does not match the pinned fingerprint or known_hosts entry. */
export class NetconfHostKeyError extends NetconfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('NETCONF_HOST_KEY', message, { ...options, retriable: false });
  }
}
