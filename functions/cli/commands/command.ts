import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { VM_ACTION_TYPES } from '../../esc/index.js';
import { createRuntime } from '../../app/runtime.js';
import { CommandClient, ResultTimeoutError } from '../../app/command-client.js';
import { addKafkaOptions, configFromFlags, numberFlag } from '../options.js';

/** Exit status when the wait for a result timed out. */
const EXIT_TIMEOUT = 3;

export function registerCommandCommand(program: Command): void {
  const command = program
    .command('command')
    .description('Publish a vmAction command and print its correlated result as JSON')
    .argument('<action>', `action type: ${VM_ACTION_TYPES.join(', ')}`)
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
3 when no result arrived within --wait.`);
  addKafkaOptions(command).action(async (action: string, vmName: string, flags: Record<string, unknown>) => {
    const config = configFromFlags(flags, { needsEsc: false });
    const waitSeconds = numberFlag(String(flags.wait), '--wait');
    const ttlSeconds = numberFlag(String(flags.ttl), '--ttl');
    const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const runtime = await createRuntime(config, logger);
    const client = new CommandClient({
      kafka: runtime.kafka,
      schemas: runtime.schemas,
      commandsTopic: config.kafka.topics.commands,
      resultsTopic: config.kafka.topics.results,
      logger,
    });
    await client.start();
    try {
      const sent = await client.send({
        actionType: action.toUpperCase(),
        vmName,
        force: typeof flags.force === 'boolean' ? flags.force : null,
        commandId: flags.commandId as string | undefined,
        requestedBy: flags.requestedBy as string | undefined,
        ttlMs: ttlSeconds * 1000,
      });
      if (waitSeconds === 0) {
        process.stdout.write(`${JSON.stringify({ commandId: sent.command.commandId, published: true })}\n`);
        return;
      }
      const received = await client.waitForResult(sent.command.commandId, waitSeconds * 1000);
      process.stdout.write(`${JSON.stringify(received.result, null, 2)}\n`);
      process.exitCode = received.result.status === 'ACCEPTED' ? 0 : 1;
    } catch (error) {
      if (error instanceof ResultTimeoutError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = EXIT_TIMEOUT;
        return;
      }
      throw error;
    } finally {
      await client.stop();
    }
  });
}
