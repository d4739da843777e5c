export {
  NetconfError,
  NetconfFramingError,
  NetconfProtocolError,
  NetconfTimeoutError,
  NetconfSessionClosedError,
  NetconfConnectError,
  NetconfAuthError,
  NetconfHostKeyError,
} from './errors.js';
export { FrameDecoder, encodeFrame, type Framing } from './framing.js';
export { BASE_1_0, BASE_1_1, NOTIFICATION_1_0, INTERLEAVE_1_0, buildHello, parseHello, chooseFraming, hasCapability } from './hello.js';
export { buildRpc, parseRpcReply, type RpcError, type RpcReply } from './rpc-reply.js';
export { NOTIFICATION_NAMESPACE, type NetconfNotification, type CreateSubscriptionOptions } from './notification.js';
export { NetconfSession, type BaseVersion, type NetconfTransport, type SessionOptions } from './session.js';
export { connectNetconf, type NetconfConnectOptions, type HostKeyPolicy } from './ssh-transport.js';
export { sha256Fingerprint, parseKnownHosts } from './host-key.js';
export { connectOptionsFromConfig } from './connect-options.js';
