import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { Inventory, generateHostPrivateKey, startSimulator } from '../../simulator/index.js';

const DEFAULT_HOST_KEY_FILE = path.join('.local', 'simulator', 'host_ed25519');

interface SimulateFlags {
  host: string;
  port: string;
  user: string;
  password?: string;
  hostKey: string;
  inventory?: string;
  base: string;
  actionDelayMs: string;
  aliveDelayMs: string;
  replay?: string[];
}

function invalidOption(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function parseNonNegativeInteger(value: string, option: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    invalidOption(`${option} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function parseBaseVersions(value: string): ('1.0' | '1.1')[] {
  const versions = value.split(',').map((version) => version.trim()).filter((version) => version !== '');
  const invalid = versions.filter((version) => version !== '1.0' && version !== '1.1');
  if (versions.length === 0 || invalid.length > 0) {
    invalidOption(`--base must list 1.0 and/or 1.1 separated by commas, got ${JSON.stringify(value)}`);
  }
  return versions as ('1.0' | '1.1')[];
}

/** Reads the host key file, or creates it with a new ed25519 key (mode 0600) when absent. */
async function loadOrCreateHostKey(filePath: string): Promise<{ key: string; created: boolean }> {
  try {
    return { key: await readFile(filePath, 'utf8'), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  const key = generateHostPrivateKey();
  await mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
  await writeFile(filePath, key, { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}

/** Adds `simulate`: runs the ESC simulator until SIGINT or SIGTERM. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Run the ESC simulator: an SSH server speaking NETCONF like Cisco ESC (escEvent notifications, vmAction)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port to listen on; 0 picks a free port', '8830')
    .option('--user <name>', 'SSH user name', 'admin')
    .option('--password <password>', 'SSH password (default: $ESC_SIM_PASSWORD, else a generated one that is printed)')
    .option('--host-key <file>', 'SSH host private key; created with a new ed25519 key when absent, so the fingerprint stays stable', DEFAULT_HOST_KEY_FILE)
    .option('--inventory <file.json>', 'VM inventory JSON file (default: a built-in inventory of 6 VMs; format in docs/simulator.md)')
    .option('--base <versions>', 'NETCONF base versions to offer, comma-separated: 1.0 (end-of-message framing), 1.1 (chunked framing)', '1.0,1.1')
    .option('--action-delay-ms <ms>', 'delay from <ok/> to the first notification of a vmAction, in ms', '20')
    .option('--alive-delay-ms <ms>', 'delay from VM_STARTED or VM_REBOOTED to VM_ALIVE, in ms', '50')
    .option('--replay <file...>', 'notification XML files to send verbatim to the first subscriber, in order')
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM. Logs go to stderr; connection details go to stdout.')
    .action(async (flags: SimulateFlags) => {
      await runSimulator(flags);
    });
}

async function runSimulator(flags: SimulateFlags): Promise<void> {
  const port = parseNonNegativeInteger(flags.port, '--port');
  const actionDelayMs = parseNonNegativeInteger(flags.actionDelayMs, '--action-delay-ms');
  const aliveDelayMs = parseNonNegativeInteger(flags.aliveDelayMs, '--alive-delay-ms');
  const baseVersions = parseBaseVersions(flags.base);
  const generatedPassword = flags.password === undefined && !process.env.ESC_SIM_PASSWORD;
  const password = flags.password ?? (process.env.ESC_SIM_PASSWORD || randomBytes(18).toString('base64url'));
  const hostKeyFile = path.resolve(flags.hostKey);
  const hostKey = await loadOrCreateHostKey(hostKeyFile);
  const inventory = flags.inventory === undefined ? undefined : await Inventory.fromFile(flags.inventory);
  const logger = createLogger({ name: 'esc-simulator' });

  const simulator = await startSimulator({
    host: flags.host,
    port,
    username: flags.user,
    password,
    hostKey: hostKey.key,
    baseVersions,
    ...(inventory === undefined ? {} : { inventory }),
    actionDelayMs,
    aliveDelayMs,
    logger,
  });

  const knownHostsHost = simulator.port === 22 ? simulator.host : `[${simulator.host}]:${simulator.port}`;
  const lines = [
    `ESC simulator listening on ${simulator.host}:${simulator.port} (NETCONF base ${baseVersions.join(', ')})`,
    `  user:                 ${simulator.username}`,
    `  password:             ${password}${generatedPassword ? ' (generated; set ESC_SIM_PASSWORD or --password to choose one)' : ''}`,
    `  host key file:        ${hostKeyFile}${hostKey.created ? ' (created)' : ''}`,
    `  host key fingerprint: ${simulator.hostKeyFingerprint}`,
    `  VMs:                  ${simulator.inventory.listVms().length}, for example ${simulator.inventory.listVms()[0]?.name ?? '(none)'}`,
    '',
    'Bridge settings:',
    `ESC_HOST=${simulator.host}`,
    `ESC_PORT=${simulator.port}`,
    `ESC_USERNAME=${simulator.username}`,
    `ESC_PASSWORD=${password}`,
    `ESC_HOST_KEY_SHA256=${simulator.hostKeyFingerprint}`,
    '',
    'known_hosts line:',
    `${knownHostsHost} ${simulator.hostPublicKey}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));

  if (flags.replay !== undefined && flags.replay.length > 0) {
    void replayWhenSubscribed(simulator, flags.replay, logger);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (received: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(received);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  logger.info({ signal, stats: simulator.stats() }, 'stopping esc simulator');
  await simulator.stop();
}

/** Waits for the first subscriber, then sends the replay files once. */
async function replayWhenSubscribed(
  simulator: Awaited<ReturnType<typeof startSimulator>>,
  files: string[],
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  while (simulator.stats().subscribers === 0) {
    await new Promise((resolve) => setTimeout(resolve, 200).unref());
  }
  try {
    const written = await simulator.replayFiles(files);
    logger.info({ files: files.length, written }, 'replayed notification files');
  } catch (error) {
    logger.error({ err: error }, 'replay failed');
  }
}
