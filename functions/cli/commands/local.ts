import path from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../../common/package-root.js';
import { readBrokerInfo, isOwnBroker, startLocalBroker, stopLocalBroker } from '../../local/kafka-broker.js';
import { numberFlag } from '../options.js';

const DEFAULT_STATE_DIR = path.join(packageRoot, '.local', 'kafka');

export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('Start and stop the local Apache Kafka broker (single-node KRaft on 127.0.0.1, jars from Maven Central)');

  local
    .command('up')
    .description('Start the local broker (resolving its jars with Maven on first use) and wait until it accepts connections')
    .option('--port <port>', 'client port on 127.0.0.1; 0 picks a free one', '9092')
    .option('--state-dir <dir>', 'directory for data, config, log and pid file (wiped on down)', DEFAULT_STATE_DIR)
    .option('--heap-mb <MiB>', 'Java heap of the broker, in MiB', '512')
    .action(async (flags: { port: string; stateDir: string; heapMb: string }) => {
      const info = await startLocalBroker({
        stateDir: flags.stateDir,
        port: numberFlag(flags.port, '--port'),
        heapMb: numberFlag(flags.heapMb, '--heap-mb'),
        onProgress: (message) => process.stderr.write(`${message}\n`),
      });
      process.stdout.write(`export KAFKA_BROKERS=${info.bootstrap}\n`);
    });

  local
    .command('down')
    .description('Stop the local broker started by `local up` (only that process, found by its pid file) and delete its data')
    .option('--state-dir <dir>', 'state directory given to `local up`', DEFAULT_STATE_DIR)
    .action(async (flags: { stateDir: string }) => {
      const stopped = await stopLocalBroker(flags.stateDir);
      process.stderr.write(stopped ? 'Kafka broker stopped\n' : `no Kafka broker was running for ${flags.stateDir}\n`);
    });

  local
    .command('status')
    .description('Print the local broker\'s address and pid as JSON; exit 1 when it is not running')
    .option('--state-dir <dir>', 'state directory given to `local up`', DEFAULT_STATE_DIR)
    .action((flags: { stateDir: string }) => {
      const info = readBrokerInfo(path.resolve(flags.stateDir));
      const running = info !== undefined && isOwnBroker(info.pid, path.resolve(flags.stateDir));
      process.stdout.write(`${JSON.stringify({ running, ...(info ?? {}) })}\n`);
      process.exitCode = running ? 0 : 1;
    });
}
