import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { VM_ACTION_TYPES, validateVmActionCommand } from '../../esc/index.js';
import { CommandClient, ResultTimeoutError } from '../../app/command-client.js';
import { createKafka, requireTopics } from '../../kafka/index.js';
import { loadSchemas } from '../../schema/index.js';
import { EXIT_USAGE, addKafkaOptions, configFromFlags, numberFlag } from '../options.js';

/** Exit status when the wait for a result timed out. */
const EXIT_TIMEOUT = 3;
/** Exit status when Kafka is unreachable or a topic is missing. */
const EXIT_KAFKA = 4;

export function registerCommandCommand(program: Command): void {
  const command = program
    .command('command')
    .description('Publish a vmAction command and print its correlated result as JSON')
    .argument('<action>', `action type, case-insensitive: ${VM_ACTION_TYPES.join(', ')}`)
    .argument('<vmName>', "ESC VM name (not the VIM UUID), e.g. 'fw-edge-dep_FW_0_<uuid>'")
    .option('--force', 'send <force>true</force> (skip the VM group minimum-count check)')
    .option('--no-force', 'send <force>false</force>')
    .option('--wait <seconds>', 'time to wait for the result, in seconds; 0 publishes and returns at once', '30')
    .option('--ttl <seconds>', 'time after which a worker reports the command EXPIRED instead of running it, in seconds; 0 never expires', '300')
    .option('--command-id <id>', 'command id (default: a new UUID); a worker runs each id at most once')
    .option('--requested-by <name>', 'who asks, recorded in the command and its result (default: user@host)')
    .addHelpText('after', `
Exit status: 0 when ESC accepted the command (ACCEPTED), 1 for any other result
(REJECTED, INVALID, EXPIRED, FAILED), 2 for invalid arguments or settings,
3 when no result arrived within --wait, 4 when Kafka is unreachable or a topic is missing.`);
  addKafkaOptions(command).action(async (action: string, vmName: string, flags: Record<string, unknown>) => {
    const config = configFromFlags(flags, { needsEsc: false });
    const waitSeconds = numberFlag(String(flags.wait), '--wait');
    const ttlSeconds = numberFlag(String(flags.ttl), '--ttl');
    const actionType = action.toUpperCase();
    const force = typeof flags.force === 'boolean' ? flags.force : null;

    const problems = validateVmActionCommand({
      commandId: String(flags.commandId ?? 'unset'),
      actionType,
      vmName,
      force,
      escHost: null,
      requestedBy: null,
      requestedAt: null,
      expiresAt: null,
    });
    if (problems.length > 0) {
      process.stderr.write(`error: ${problems.join('; ')}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }

    const logger = createLogger({ level: config.logLevel === 'info' ? 'error' : config.logLevel });
    const kafka = createKafka({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-cli`, tls: config.kafka.tls, sasl: config.kafka.sasl, logger, retries: 2 });
    const { topics } = config.kafka;
    try {
      await requireTopics(kafka, config.kafka.brokers, [topics.commands, topics.results]);
    } catch (error) {
      process.stderr.write(`error: ${(error as Error).message}\n`);
      process.exitCode = EXIT_KAFKA;
      return;
    }

    const client = new CommandClient({ kafka, schemas: loadSchemas(), commandsTopic: topics.commands, resultsTopic: topics.results, logger });
    await client.start();
    try {
      const sent = await client.send({
        actionType,
        vmName,
        force,
        commandId: flags.commandId as string | undefined,
        requestedBy: flags.requestedBy as string | undefined,
        ttlMs: ttlSeconds * 1000,
      });
      if (waitSeconds === 0) {
        process.stdout.write(`${JSON.stringify({ commandId: sent.command.commandId, published: true })}\n`);
        return;
      }
      try {
        const received = await client.waitForResult(sent.command.commandId, waitSeconds * 1000);
        process.stdout.write(`${JSON.stringify(received.result, null, 2)}\n`);
        process.exitCode = received.result.status === 'ACCEPTED' ? 0 : 1;
      } catch (error) {
        if (!(error instanceof ResultTimeoutError)) {
          throw error;
        }
        const expiry = sent.command.expiresAt === null ? 'it never expires' : `it expires at ${new Date(sent.command.expiresAt).toISOString()}`;
        process.stderr.write(
          `error: ${error.message}\nThe command stays on ${topics.commands} and runs when a worker takes it (${expiry}); ` +
            `check ${topics.results} for commandId ${sent.command.commandId} before sending it again.\n`,
        );
        process.exitCode = EXIT_TIMEOUT;
      }
    } finally {
      await client.stop();
    }
  });
}
