import type { EscConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import type { NetconfConnectOptions } from './ssh-transport.js';

/** Builds the options of `connectNetconf` from the bridge's ESC settings. */
export function connectOptionsFromConfig(esc: EscConfig, logger: Logger): NetconfConnectOptions {
  return {
    host: esc.host,
    port: esc.port,
    username: esc.username,
    password: esc.password,
    privateKey: esc.privateKey,
    passphrase: esc.passphrase,
    hostKey: esc.hostKey,
    connectTimeoutMs: esc.connectTimeoutMs,
    helloTimeoutMs: esc.helloTimeoutMs,
    rpcTimeoutMs: esc.rpcTimeoutMs,
    keepaliveIntervalMs: esc.keepaliveIntervalMs,
    maxMessageBytes: esc.maxMessageBytes,
    logger,
  };
}
