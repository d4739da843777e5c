import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { packageRoot } from '../../common/package-root.js';
import { runDemo } from '../../app/demo.js';
import { numberFlag } from '../options.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the bridge end to end on the local stack: Kafka broker, ESC simulator, listener and worker on loopback')
    .option('--timeout <seconds>', 'time to wait for every expected event and result, in seconds', '60')
    .option('--state-dir <dir>', "directory of the demo's own Kafka broker (deleted at the end)", path.join(packageRoot, '.local', 'demo-kafka'))
    .option('--verbose', 'print whole records with topic, offset, key and headers instead of the decoded value only')
    .option('--log-level <level>', 'log level of the bridge components, on stderr (warn shows the expected dead-letter warnings too)', 'error')
    .addHelpText('after', `
Publishes STOP, START and REBOOT of simulator VMs, a STOP of an unknown VM, a command
with an unsafe VM name and a malformed record; prints each event, result and dead letter
as decoded JSON; ends with a summary. Stops everything it started, also on Ctrl-C.
Exit status 0 when every expected event, result and dead letter arrived, 1 otherwise.`)
    .action(async (flags: { timeout: string; stateDir: string; verbose?: boolean; logLevel: string }) => {
      const logger = createLogger({ level: flags.logLevel });
      const onSignal = () => process.stderr.write('interrupted: stopping what the demo started\n');
      process.once('SIGINT', onSignal);
      const summary = await runDemo({
        stateDir: flags.stateDir,
        logger,
        timeoutMs: numberFlag(flags.timeout, '--timeout') * 1000,
        verbose: Boolean(flags.verbose),
        write: (line) => process.stdout.write(`${line}\n`),
      });
      process.exitCode = summary.complete ? 0 : 1;
    });
}
