import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { createRuntime, startWorker } from '../../app/runtime.js';
import { addEscOptions, addKafkaOptions, configFromFlags, waitForShutdownSignal } from '../options.js';

export function registerWorkCommand(program: Command): void {
  const command = program
    .command('work')
    .description('Run a command worker: consume VmActionCommand records, send each vmAction to ESC, publish a VmActionResult')
    .option('--group-id <id>', 'consumer group (env KAFKA_GROUP_ID, default esc-bridge-workers)')
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM. Start several to share the partitions of the commands topic.\nSettings: see the README (ESC_*, KAFKA_*, WORKER_ID, COMMAND_DEDUPE_SIZE).');
  addEscOptions(addKafkaOptions(command)).action(async (flags: Record<string, unknown>) => {
    const config = configFromFlags(flags, { needsEsc: true });
    const logger = createLogger({ level: config.logLevel });
    const runtime = await createRuntime(config, logger);
    let failed: (error: Error) => void = () => {};
    const fatal = new Promise<Error>((resolve) => {
      failed = resolve;
    });
    const worker = await startWorker(runtime, (error) => failed(error));
    const stopReason = await Promise.race([waitForShutdownSignal(), fatal]);
    logger.info(stopReason instanceof Error ? { err: stopReason } : { signal: stopReason }, 'shutting down');
    await worker.stop();
    if (stopReason instanceof Error) {
      process.exitCode = 1;
    }
  });
}
