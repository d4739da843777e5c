import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { SETTINGS } from '../../common/config.js';
import { EscEventParseError, parseEscEventNotification, toEscEventRecord } from '../../esc/index.js';

/** Exit status for a file that was read but rejected as an escEvent notification. */
const EXIT_REJECTED = 1;
/** Exit status for a file that could not be read. */
const EXIT_UNREADABLE = 2;

function parseByteCount(value: string): number {
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(`"${value}" is not a positive whole number of bytes`);
  }
  return bytes;
}

/**
 * Registers `decode-event <file.xml>`: parses one escEvent notification file the way the
 * listener does and prints the resulting EscEvent record as JSON, for checking captures.
 */
/** Returns the listener's message size limit, so this command accepts and rejects what the listener would. */
function listenerMessageLimit(): number {
  const configured = Number(process.env.ESC_MAX_MESSAGE_BYTES);
  return Number.isInteger(configured) && configured > 0 ? configured : LISTENER_DEFAULT_MAX_MESSAGE_BYTES;
}

const LISTENER_DEFAULT_MAX_MESSAGE_BYTES = Number(SETTINGS.find((setting) => setting.env === 'ESC_MAX_MESSAGE_BYTES')!.default);

export function registerDecodeEventCommand(program: Command): void {
  program
    .command('decode-event')
    .description('Parse an escEvent notification from an XML file and print the EscEvent record the listener would publish, as JSON')
    .argument('<file.xml>', 'NETCONF <notification> message as ESC sends it, with or without an XML declaration')
    .option('--esc-host <host>', 'value of the escHost field in the printed record', 'esc')
    .option(
      '--max-bytes <bytes>',
      "reject files larger than this, in bytes; the default is the listener's limit, ESC_MAX_MESSAGE_BYTES",
      parseByteCount,
      listenerMessageLimit(),
    )
    .addHelpText(
      'after',
      '\nreceivedAt is set to the current time. eventId depends only on the notification content.\n' +
        `Exit status: 0 printed, ${EXIT_REJECTED} rejected as an escEvent notification, ${EXIT_UNREADABLE} file not readable.\n`,
    )
    .action((file: string, flags: { escHost: string; maxBytes: number }) => {
      process.exitCode = decodeEventFile(file, flags);
    });
}

function decodeEventFile(file: string, flags: { escHost: string; maxBytes: number }): number {
  let xml: Buffer;
  try {
    xml = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      process.stderr.write(`error: ${file} is a directory, not a file\n`);
      return EXIT_UNREADABLE;
    }
    const reason = code === 'ENOENT' ? 'file not found; check the path' : (error as Error).message;
    process.stderr.write(`error: cannot read ${file}: ${reason}\n`);
    return EXIT_UNREADABLE;
  }

  try {
    const fields = parseEscEventNotification(xml, { maxBytes: flags.maxBytes });
    const record = toEscEventRecord(fields, { escHost: flags.escHost, receivedAt: Date.now() });
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof EscEventParseError) {
      process.stderr.write(`error: ${file}: ${error.message}\n`);
      return EXIT_REJECTED;
    }
    throw error;
  }
}
