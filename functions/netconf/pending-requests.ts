import type { RpcReply } from './rpc-reply.js';

/** An RPC written to the server and waiting for its reply. */
export interface PendingRequest {
  resolve(reply: RpcReply & { messageId: string }): void;
  reject(error: Error): void;
  /** Reply timeout, cleared when the request leaves the table. */
  timer: NodeJS.Timeout;
}

/** Outstanding requests by message-id. Taking a request out clears its timer. */
export class PendingRequests {
  private readonly requests = new Map<string, PendingRequest>();

  get size(): number {
    return this.requests.size;
  }

  add(messageId: string, request: PendingRequest): void {
    this.requests.set(messageId, request);
  }

  /** Removes and returns the request with this message-id, if it is outstanding. */
  take(messageId: string): PendingRequest | undefined {
    const request = this.requests.get(messageId);
    if (request !== undefined) {
      this.requests.delete(messageId);
      clearTimeout(request.timer);
    }
    return request;
  }

  /** Returns the message-id of the only outstanding request, or undefined when there are none or several. */
  onlyMessageId(): string | undefined {
    return this.requests.size === 1 ? this.requests.keys().next().value : undefined;
  }

  /** Removes every request and rejects each with the error `errorFor` builds for its message-id. */
  rejectAll(errorFor: (messageId: string) => Error): void {
    const entries = [...this.requests];
    this.requests.clear();
    for (const [messageId, request] of entries) {
      clearTimeout(request.timer);
      request.reject(errorFor(messageId));
    }
  }
}
