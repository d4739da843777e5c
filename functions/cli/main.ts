#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../common/package-root.js';
import { EXIT_USAGE } from './options.js';
import { registerCommandCommand } from './commands/command.js';
import { registerDecodeEventCommand } from './commands/decode-event.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerListenCommand } from './commands/listen.js';
import { registerLocalCommand } from './commands/local.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerTailCommand } from './commands/tail.js';
import { registerWorkCommand } from './commands/work.js';

const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };

const program = new Command('esc-bridge')
  .description('Bridge between Cisco ESC (NETCONF escEvent notifications, vmAction requests) and Apache Kafka (Avro records)')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((error) => {
    // Commander exits 1 on usage errors; 2 is the conventional status for invalid
    // arguments and the one every subcommand documents.
    const isUsageError = error.exitCode === 1 && error.code.startsWith('commander.') && error.code !== 'commander.executeSubCommandAsync';
    process.exit(isUsageError ? EXIT_USAGE : error.exitCode);
  });

registerListenCommand(program);
registerWorkCommand(program);
registerCommandCommand(program);
registerTailCommand(program);
registerDecodeEventCommand(program);
registerSimulateCommand(program);
registerLocalCommand(program);
registerDemoCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  process.stderr.write(`error: ${message}${code ? ` (${code})` : ''}\n`);
  process.exit(1);
});
