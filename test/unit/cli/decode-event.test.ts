import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerDecodeEventCommand } from '../../../functions/cli/commands/decode-event.js';
import { fixturePath } from '../../helpers/paths.js';

let stdout = '';
let stderr = '';
const originalStdout = process.stdout.write.bind(process.stdout);
const originalStderr = process.stderr.write.bind(process.stderr);

async function run(...args: string[]): Promise<number> {
  const program = new Command('esc-bridge').exitOverride();
  registerDecodeEventCommand(program);
  process.exitCode = undefined;
  await program.parseAsync(['node', 'esc-bridge', 'decode-event', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return code;
}

describe('decode-event command', () => {
  beforeEach(() => {
    stdout = '';
    stderr = '';
    process.stdout.write = ((chunk: string) => { stdout += chunk; return true; }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => { stderr += chunk; return true; }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stdout.write = originalStdout;
    process.stderr.write = originalStderr;
  });

  it('prints the record for a sample notification', async () => {
    const code = await run(fixturePath('notification-vm-stopped-success.xml'), '--esc-host', 'esc-7');
    assert.equal(code, 0);
    const record = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(record.escHost, 'esc-7');
    assert.equal(record.eventType, 'VM_STOPPED');
    assert.equal(record.svcidRaw, 'NULL');
    assert.equal(typeof record.receivedAt, 'number');
    assert.match(String(record.eventId), /^[0-9a-f-]{36}$/);
    assert.equal(stderr, '');
  });

  it('exits 1 for a message that is not a notification', async () => {
    const file = fixturePath('rpc-reply-ok.xml');
    assert.equal(await run(file), 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: .*rpc-reply-ok\.xml: escEvent notification rejected: root element is <rpc-reply>/);
  });

  it('exits 1 for a file over --max-bytes', async () => {
    assert.equal(await run(fixturePath('notification-vm-stopped-success.xml'), '--max-bytes', '100'), 1);
    assert.match(stderr, /over the limit of 100 bytes/);
  });

  it('exits 2 for a missing file', async () => {
    assert.equal(await run('/nonexistent/event.xml'), 2);
    assert.equal(stderr, 'error: cannot read /nonexistent/event.xml: file not found; check the path\n');
  });

  it('exits 2 for a directory', async () => {
    const directory = fixturePath('');
    assert.equal(await run(directory), 2);
    assert.equal(stdout, '');
    assert.equal(stderr, `error: ${directory} is a directory, not a file\n`);
  });
});
