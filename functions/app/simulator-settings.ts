import type { RunningSimulator } from '../simulator/index.js';

/** Returns the ESC_* settings that connect the bridge to a running simulator, with its host key pinned. */
export function simulatorSettings(
  simulator: Pick<RunningSimulator, 'host' | 'port' | 'username' | 'password' | 'hostKeyFingerprint'>,
): Record<string, string> {
  return {
    ESC_HOST: simulator.host,
    ESC_PORT: String(simulator.port),
    ESC_USERNAME: simulator.username,
    ESC_PASSWORD: simulator.password,
    ESC_HOST_KEY_SHA256: simulator.hostKeyFingerprint,
  };
}
