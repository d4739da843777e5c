import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { silentLogger, type Logger } from '../common/logger.js';
import { BASE_1_0, BASE_1_1, NOTIFICATION_1_0 } from '../netconf/hello.js';
import { Inventory, type InventorySeed } from './inventory.js';
import { ESC_NAMESPACE, type SimulatedEvent } from './notifications.js';
import { NetconfServerSession } from './session.js';
import { SimulatorCore, type FailureRule, type SimulatorStats } from './simulator.js';
import { authenticate, loadHostKey, parseAuthorizedKeys } from './ssh-auth.js';

export { Inventory, DEFAULT_INVENTORY_SEED, InventoryError, type InventorySeed, type VmRecord, type ActionType } from './inventory.js';
export { buildEventNotification, type SimulatedEvent } from './notifications.js';
export { ReplayFileError, type FailureRule, type SimulatorStats } from './simulator.js';
export {
  KEY_GENERATION_ATTEMPTS,
  SimulatorKeyError,
  generateEd25519KeyPair,
  generateHostPrivateKey,
  loadHostKey,
  sshFingerprint,
  type HostKey,
  type KeyPairGenerator,
  type SshKeyPair,
} from './ssh-auth.js';

/** ESC's YANG module capability as a ConfD server would advertise it. */
export const ESC_MODULE_CAPABILITY = `${ESC_NAMESPACE}?module=esc&revision=2016-05-04`;
export const WRITABLE_RUNNING_1_0 = 'urn:ietf:params:netconf:capability:writable-running:1.0';

export interface SimulatorOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default 'admin' */
  username?: string;
  /** @default a random 24-character password, readable from `RunningSimulator.password` */
  password?: string;
  /** OpenSSH public key lines accepted for public-key login. @default [] */
  authorizedKeys?: string[];
  /** PEM or OpenSSH private key. @default a new ed25519 key */
  hostKey?: string | Buffer;
  /** NETCONF base versions offered in the hello. @default ['1.0', '1.1'] */
  baseVersions?: ('1.0' | '1.1')[];
  /** VM inventory. @default DEFAULT_INVENTORY_SEED */
  inventory?: InventorySeed | Inventory;
  /** Delay from `<ok/>` to the first notification of a vmAction, in ms. @default 20 */
  actionDelayMs?: number;
  /** Delay from VM_STARTED or VM_REBOOTED to VM_ALIVE, in ms. @default 50 */
  aliveDelayMs?: number;
  /** Fault rules applied to vmAction requests. @default [] */
  failures?: FailureRule[];
  /** @default silentLogger() */
  logger?: Logger;
}

export interface RunningSimulator {
  host: string;
  port: number;
  username: string;
  password: string;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** `<type> <base64>`, the key part of a known_hosts line. */
  hostPublicKey: string;
  inventory: Inventory;
  /** Sends raw `<notification>` XML to every subscribed session; returns the sessions reached. */
  emitNotification(xml: string): number;
  /** Sends one escEvent notification to every subscribed session; returns the sessions reached. */
  emitEvent(event: SimulatedEvent): number;
  /**
   * Sends `count` notifications as fast as the sockets accept them and resolves when all
   * were written. Without a template, each is a VM_ALIVE for the first inventory VM.
   */
  emitBurst(count: number, options?: { template?: SimulatedEvent }): Promise<void>;
  /** Sends captured notification files verbatim; returns notifications written, summed over sessions. */
  replayFiles(paths: string[]): Promise<number>;
  setFailure(rule: FailureRule): void;
  clearFailures(): void;
  stats(): SimulatorStats;
  /** Closes all sessions and the listening socket. */
  stop(): Promise<void>;
}

/** Builds the capability list of the simulator's hello. */
export function simulatorCapabilities(baseVersions: readonly ('1.0' | '1.1')[]): string[] {
  const capabilities: string[] = [];
  if (baseVersions.includes('1.0')) {
    capabilities.push(BASE_1_0);
  }
  if (baseVersions.includes('1.1')) {
    capabilities.push(BASE_1_1);
  }
  // No :interleave, as ESC documents.
  capabilities.push(WRITABLE_RUNNING_1_0, NOTIFICATION_1_0, ESC_MODULE_CAPABILITY);
  return capabilities;
}

/**
 * Starts an SSH server that speaks NETCONF like Cisco ESC on the `netconf` subsystem.
 * @throws when the options are invalid or the port cannot be bound.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const username = options.username ?? 'admin';
  const password = options.password ?? randomBytes(18).toString('base64url');
  const baseVersions = options.baseVersions ?? ['1.0', '1.1'];
  if (baseVersions.length === 0) {
    throw new RangeError("baseVersions must list at least one of '1.0' and '1.1'");
  }
  const hostKey = loadHostKey(options.hostKey);
  const authorizedKeys = parseAuthorizedKeys(options.authorizedKeys ?? []);
  const inventory = options.inventory instanceof Inventory ? options.inventory : Inventory.fromSeed(options.inventory);
  const capabilities = simulatorCapabilities(baseVersions);
  const core = new SimulatorCore({
    inventory,
    failures: options.failures ?? [],
    actionDelayMs: options.actionDelayMs ?? 20,
    aliveDelayMs: options.aliveDelayMs ?? 50,
    logger,
  });

  let nextSessionId = 1;
  const connections = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (connection) => {
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    connection.on('error', (error: Error) => logger.debug({ err: error }, 'ssh connection error'));
    connection.on('authentication', (context) => {
      authenticate(context, { username, password, authorizedKeys });
    });
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('subsystem', (accept, reject, info) => {
          if (info.name !== 'netconf') {
            logger.info({ subsystem: info.name }, 'rejected ssh subsystem');
            reject();
            return;
          }
          const channel: ServerChannel = accept();
          const netconf = new NetconfServerSession({ channel, sessionId: nextSessionId, capabilities, handler: core, logger });
          nextSessionId += 1;
          core.addSession(netconf, connection);
        });
        const rejectWithMessage = (accept: () => ServerChannel, what: string): void => {
          const channel = accept();
          channel.stderr.write(`This server offers only the "netconf" subsystem; ${what} is not available. Connect with: ssh -s <host> netconf\n`);
          channel.exit(1);
          channel.end();
        };
        session.on('shell', (accept) => rejectWithMessage(accept, 'a shell'));
        session.on('exec', (accept, _reject, info) => rejectWithMessage(accept, `exec of "${info.command}"`));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: Error) => logger.error({ err: error }, 'simulator server error'));
  const address = server.address() as AddressInfo;
  logger.info({ host, port: address.port, fingerprint: hostKey.fingerprint }, 'esc simulator listening');

  const firstVm = inventory.listVms()[0];
  return {
    host,
    port: address.port,
    username,
    password,
    hostKeyFingerprint: hostKey.fingerprint,
    hostPublicKey: hostKey.publicKeyLine,
    inventory,
    emitNotification: (xml) => core.emitNotification(xml),
    emitEvent: (event) => core.emitEvent(event),
    emitBurst: async (count, burstOptions = {}) => {
      const template = burstOptions.template ?? defaultBurstTemplate(firstVm);
      await core.emitBurst(count, template);
    },
    replayFiles: (paths) => core.replayFiles(paths),
    setFailure: (rule) => core.setFailure(rule),
    clearFailures: () => core.clearFailures(),
    stats: () => core.stats(),
    stop: async () => {
      core.shutdown();
      for (const connection of connections) {
        connection.end();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info({ host, port: address.port }, 'esc simulator stopped');
    },
  };
}

function defaultBurstTemplate(vm: ReturnType<Inventory['listVms']>[number] | undefined): SimulatedEvent {
  if (vm === undefined) {
    return { type: 'VM_ALIVE', statusMessage: 'VM_Alive event received, VM ID: [burst]' };
  }
  return {
    type: 'VM_ALIVE',
    statusMessage: `VM_Alive event received, VM ID: [${vm.name}]`,
    depname: vm.depname,
    tenant: vm.tenant,
    depid: vm.depid,
    vmGroup: vm.vmGroup,
    vmSource: { vmid: vm.vmid, hostid: vm.hostid },
  };
}
