import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { Inventory, SimulatorKeyError, generateHostPrivateKey, loadHostKey, startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { EXIT_USAGE } from '../options.js';

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
  process.exit(EXIT_USAGE);
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

/** Exit status when the simulator cannot start (host key file, listening address). */
const EXIT_START_FAILED = 1;

/** A start-up failure whose message is printed as it is, with exit status 1. */
class SimulatorStartError extends Error {}

/** Returns the cause's message for a key error, which is shorter than the wrapped one. */
function keyErrorDetail(error: SimulatorKeyError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/**
 * Reads the host key file, or creates it with a new ed25519 key (mode 0600) when absent.
 * A new key is parsed before it is written, so an unusable key never reaches the file.
 * @throws SimulatorStartError naming the file when it cannot be read or parsed.
 */
async function loadOrCreateHostKey(filePath: string): Promise<{ key: string; created: boolean }> {
  let existing: string | undefined;
  try {
    existing = await readFile(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      throw new SimulatorStartError(`the host key file ${filePath} is a directory, not a file. Pass a private key file with --host-key`);
    }
    if (code !== 'ENOENT') {
      throw new SimulatorStartError(`cannot read the host key file ${filePath}: ${(error as Error).message}`);
    }
  }
  if (existing !== undefined) {
    try {
      loadHostKey(existing);
    } catch (error) {
      if (!(error instanceof SimulatorKeyError)) {
        throw error;
      }
      throw new SimulatorStartError(
        `the host key file ${filePath} is not a usable SSH private key (${keyErrorDetail(error)}). ` +
          'Delete the file so that a new key is created, or pass another file with --host-key',
      );
    }
    return { key: existing, created: false };
  }

  const key = generateHostPrivateKey();
  loadHostKey(key);
  await mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
  await writeFile(filePath, key, { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}

/** Formats `host:port`, with brackets around an IPv6 address. */
function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Returns a message naming the address and the fix for a failed `listen`, or undefined for other errors. */
function describeListenError(error: unknown, host: string, port: number): string | undefined {
  const address = formatAddress(host, port);
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `cannot listen on ${address}: the address is already in use. Pass --port 0 to pick a free port, or another --port`;
    case 'EACCES':
      return `cannot listen on ${address}: permission denied (ports below 1024 need privileges). Pass --port 0 to pick a free port, or a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${address}: the address is not assigned to this machine. Pass a local address with --host, for example 127.0.0.1`;
    default:
      return undefined;
  }
}

/** Quotes a value for a POSIX shell when it contains anything beyond safe characters. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) {
    return value;
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Formats the inventory as a table of state, tenant, deployment and VM name, one VM a line. */
export function formatInventoryTable(inventory: Inventory): string[] {
  const rows = inventory.listVms().map((vm) => [vm.state, vm.tenant, vm.depname, vm.name]);
  const header = ['STATE', 'TENANT', 'DEPLOYMENT', 'VM NAME'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const formatRow = (row: string[]): string =>
    `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}`;
  return [formatRow(header), ...rows.map(formatRow)];
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
    .option(
      '--host-key <file>',
      'SSH host private key file, relative to the current directory; created with a new ed25519 key when absent, so the fingerprint stays stable',
      DEFAULT_HOST_KEY_FILE,
    )
    .option('--inventory <file.json>', 'VM inventory JSON file (default: a built-in inventory of 6 VMs; format in docs/simulator.md)')
    .option('--base <versions>', 'NETCONF base versions to offer, comma-separated: 1.0 (end-of-message framing), 1.1 (chunked framing)', '1.0,1.1')
    .option('--action-delay-ms <ms>', 'delay from <ok/> to the first notification of a vmAction, in ms', '20')
    .option('--alive-delay-ms <ms>', 'delay from VM_STARTED or VM_REBOOTED to VM_ALIVE, in ms', '50')
    .option('--replay <file...>', 'notification XML files to send verbatim to the first subscriber, in order')
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM. Logs go to stderr; connection details go to stdout.')
    .action(async (flags: SimulateFlags) => {
      try {
        await runSimulator(flags);
      } catch (error) {
        if (!(error instanceof SimulatorStartError)) {
          throw error;
        }
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = EXIT_START_FAILED;
      }
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

  let simulator: RunningSimulator;
  try {
    simulator = await startSimulator({
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
  } catch (error) {
    const message = describeListenError(error, flags.host, port);
    if (message === undefined) {
      throw error;
    }
    throw new SimulatorStartError(message);
  }

  const knownHostsHost = simulator.port === 22 ? simulator.host : `[${simulator.host}]:${simulator.port}`;
  const vmCount = simulator.inventory.listVms().length;
  const lines = [
    `ESC simulator listening on ${formatAddress(simulator.host, simulator.port)} (NETCONF base ${baseVersions.join(', ')})`,
    `  user:                 ${simulator.username}`,
    `  password:             ${password}${generatedPassword ? ' (generated; set ESC_SIM_PASSWORD or --password to choose one)' : ''}`,
    `  host key file:        ${hostKeyFile}${hostKey.created ? ' (created)' : ''}`,
    `  host key fingerprint: ${simulator.hostKeyFingerprint}`,
    '',
    'Bridge settings (paste into a shell):',
    `export ESC_HOST=${shellQuote(simulator.host)}`,
    `export ESC_PORT=${simulator.port}`,
    `export ESC_USERNAME=${shellQuote(simulator.username)}`,
    `export ESC_PASSWORD=${shellQuote(password)}`,
    `export ESC_HOST_KEY_SHA256=${shellQuote(simulator.hostKeyFingerprint)}`,
    '',
    'known_hosts line:',
    `${knownHostsHost} ${simulator.hostPublicKey}`,
    '',
    `Inventory: ${vmCount} VM${vmCount === 1 ? '' : 's'}; pass a VM name to "esc-bridge command <action> <vmName>"`,
    ...formatInventoryTable(simulator.inventory),
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
