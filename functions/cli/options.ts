import type { Command } from 'commander';
import { ConfigError, loadConfig, type BridgeConfig } from '../common/config.js';

/** Exit status for invalid arguments or settings, the same in every subcommand. */
export const EXIT_USAGE = 2;

/** Flags shared by the subcommands, each overriding one environment variable. */
const FLAG_TO_ENV: Record<string, string> = {
  brokers: 'KAFKA_BROKERS',
  escHost: 'ESC_HOST',
  escPort: 'ESC_PORT',
  escUser: 'ESC_USERNAME',
  escHostKey: 'ESC_HOST_KEY_SHA256',
  knownHosts: 'ESC_KNOWN_HOSTS_FILE',
  vmactionForm: 'ESC_VMACTION_FORM',
  groupId: 'KAFKA_GROUP_ID',
  logLevel: 'LOG_LEVEL',
};

/** Adds the Kafka flags every subcommand that talks to Kafka accepts. */
export function addKafkaOptions(command: Command): Command {
  return command
    .option('--brokers <host:port,...>', 'Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)')
    .option('--log-level <level>', 'log level: fatal, error, warn, info, debug, trace or silent (env LOG_LEVEL, default info)');
}

/** Adds the ESC connection flags of `listen` and `work`. */
export function addEscOptions(command: Command): Command {
  return command
    .option('--esc-host <host>', 'ESC NETCONF host (env ESC_HOST)')
    .option('--esc-port <port>', 'ESC NETCONF/SSH port (env ESC_PORT, default 830)')
    .option('--esc-user <name>', 'SSH user name (env ESC_USERNAME, default admin); the password comes from ESC_PASSWORD only')
    .option('--esc-host-key <SHA256:...>', "pinned SHA-256 fingerprint of ESC's host key (env ESC_HOST_KEY_SHA256)")
    .option('--known-hosts <file>', 'known_hosts file with ESC\'s host key (env ESC_KNOWN_HOSTS_FILE)')
    .option('--vmaction-form <form>', 'vmAction request form: editconfig or rpc (env ESC_VMACTION_FORM, default editconfig)');
}

/**
 * Builds the configuration from the environment with the given flags on top. On invalid
 * settings it prints every problem and exits with status 2.
 */
export function configFromFlags(flags: Record<string, unknown>, options: { needsEsc: boolean }): BridgeConfig {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [flag, name] of Object.entries(FLAG_TO_ENV)) {
    const value = flags[flag];
    if (value !== undefined && value !== null) {
      env[name] = String(value);
    }
  }
  try {
    return loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      const problems = error.problems.map((problem) => {
        const flag = Object.entries(FLAG_TO_ENV).find(([name, variable]) => flags[name] !== undefined && problem.startsWith(`${variable}=`));
        return flag ? `${problem} (set by --${kebabCase(flag[0])})` : problem;
      });
      process.stderr.write(`error: invalid configuration:\n  - ${problems.join('\n  - ')}\n`);
      process.exit(EXIT_USAGE);
    }
    throw error;
  }
}

function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Parses a non-negative number flag or exits with status 2 naming the flag. */
export function numberFlag(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    process.stderr.write(`error: ${name} must be a non-negative number, got ${JSON.stringify(value)}\n`);
    process.exit(EXIT_USAGE);
  }
  return parsed;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
