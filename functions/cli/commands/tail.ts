import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { createKafka, requireTopics, TopicReader } from '../../kafka/index.js';
import { loadSchemas } from '../../schema/index.js';
import { recordToJson } from '../record-json.js';
import { addKafkaOptions, configFromFlags, numberFlag, waitForShutdownSignal } from '../options.js';

export function registerTailCommand(program: Command): void {
  const command = program
    .command('tail')
    .description('Print the records of a topic as JSON lines: Avro values decoded, headers shown')
    .argument('<topic>', 'topic name, e.g. esc.events, esc.command-results, esc.dead-letter')
    .option('--from-beginning', 'start at the oldest record instead of only new ones')
    .option('--max <count>', 'exit after this many records')
    .option('--timeout <seconds>', 'exit after this many seconds')
    .addHelpText('after', '\nEach line has topic, partition, offset, timestamp, key, headers, schema and value.\nDead letters keep their raw bytes: shown as text when they are valid UTF-8 text, else as base64.');
  addKafkaOptions(command).action(async (topic: string, flags: Record<string, unknown>) => {
    const config = configFromFlags(flags, { needsEsc: false });
    const max = flags.max === undefined ? Infinity : numberFlag(String(flags.max), '--max');
    const timeoutSeconds = flags.timeout === undefined ? undefined : numberFlag(String(flags.timeout), '--timeout');
    const logger = createLogger({ level: config.logLevel === 'info' ? 'error' : config.logLevel });
    const kafka = createKafka({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-tail`, tls: config.kafka.tls, sasl: config.kafka.sasl, logger, retries: 2 });
    await requireTopics(kafka, config.kafka.brokers, [topic]);
    const schemas = loadSchemas();

    let count = 0;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const timer = timeoutSeconds === undefined ? undefined : setTimeout(finish, timeoutSeconds * 1000);
    const reader = new TopicReader({
      kafka,
      topics: [topic],
      fromBeginning: Boolean(flags.fromBeginning),
      logger,
      onMessage: (recordTopic, partition, message) => {
        if (count >= max) {
          return;
        }
        count += 1;
        process.stdout.write(`${JSON.stringify(recordToJson(schemas, recordTopic, partition, message))}\n`);
        if (count >= max) {
          finish();
        }
      },
    });
    await Promise.race([reader.start(), done]);
    await Promise.race([done, waitForShutdownSignal()]);
    clearTimeout(timer);
    await reader.stop();
  });
}
