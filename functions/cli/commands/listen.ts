import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { createRuntime, startListener } from '../../app/runtime.js';
import { addEscOptions, addKafkaOptions, configFromFlags, waitForShutdownSignal } from '../options.js';

/** Interval of the listener's progress log line, in ms. */
const PROGRESS_INTERVAL_MS = 60_000;

export function registerListenCommand(program: Command): void {
  const command = program
    .command('listen')
    .description('Run the listener: subscribe to ESC escEvent notifications and publish each as an EscEvent record')
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM, then waits for queued records to be acknowledged by Kafka.\nSettings: see the README (ESC_*, KAFKA_*, LISTENER_*).');
  addEscOptions(addKafkaOptions(command)).action(async (flags: Record<string, unknown>) => {
    const config = configFromFlags(flags, { needsEsc: true });
    const logger = createLogger({ level: config.logLevel });
    const runtime = await createRuntime(config, logger);
    const listener = await startListener(runtime);
    const progress = setInterval(() => logger.info(listener.stats(), 'listener progress'), PROGRESS_INTERVAL_MS);
    const signal = await waitForShutdownSignal();
    logger.info({ signal }, 'shutting down');
    clearInterval(progress);
    await listener.stop();
  });
}
