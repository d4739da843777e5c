import { BridgeError } from '../common/errors.js';

/** Raised when the local broker cannot be resolved, started or stopped. */
export class LocalKafkaError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super('LOCAL_KAFKA', message, { retriable: false, cause });
  }
}
