import type { EscConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import { NetconfHostKeyError } from './errors.js';
import type { NetconfConnectOptions } from './ssh-transport.js';

/**
 * Builds the options of `connectNetconf` from the bridge's ESC settings.
 * @throws NetconfHostKeyError when the settings name no host key check, because there is
 * no accept-anything default.
 */
export function connectOptionsFromConfig(esc: EscConfig, logger: Logger): NetconfConnectOptions {
  if (esc.hostKey === undefined) {
    throw new NetconfHostKeyError('no host key check is configured for ESC: set ESC_HOST_KEY_SHA256 or ESC_KNOWN_HOSTS_FILE');
  }
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
    baseVersions: esc.baseVersions,
    logger,
  };
}
