import { BridgeError } from '../common/errors.js';

/**
 * Raised when a NETCONF message is not an acceptable `escEvent` notification.
 * Never retriable: the same bytes fail the same way, so the caller dead-letters them.
 */
export class EscEventParseError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ESC_EVENT_INVALID', message, { retriable: false, cause: options.cause });
  }
}

/** Raised when a `vmAction` request cannot be built from the given options; never retriable. */
export class VmActionError extends BridgeError {
  constructor(message: string) {
    super('ESC_VMACTION_INVALID', message, { retriable: false });
  }
}
