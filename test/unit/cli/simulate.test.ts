import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatInventoryTable, shellQuote } from '../../../functions/cli/commands/simulate.js';
import { DEFAULT_INVENTORY_SEED, Inventory, loadHostKey } from '../../../functions/simulator/index.js';
import { fixturePath, repositoryRoot } from '../../helpers/paths.js';

const CLI = path.join(repositoryRoot, 'dist', 'functions', 'cli', 'main.js');

interface Output {
  stdout: string;
  stderr: string;
}

function startCli(args: string[], cwd: string): { child: ChildProcess; output: Output } {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.ESC_SIM_PASSWORD;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => { output.stdout += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { output.stderr += chunk.toString('utf8'); });
  return { child, output };
}

function waitForExit(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulate did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Runs `esc-bridge simulate` with args that make it fail at start-up, and returns its exit status and output. */
async function runToExit(args: string[], cwd: string): Promise<Output & { code: number | null }> {
  const { child, output } = startCli(['simulate', ...args], cwd);
  const code = await waitForExit(child);
  return { code, ...output };
}

/** Resolves once stdout contains the whole inventory table, which is the last thing simulate prints. */
function waitForBanner(output: Output, child: ChildProcess, vmCount: number, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      const lines = output.stdout.split('\n');
      const inventoryAt = lines.findIndex((line) => line.startsWith('Inventory:'));
      if (inventoryAt >= 0 && lines.length >= inventoryAt + vmCount + 3) {
        resolve(output.stdout);
      } else if (child.exitCode !== null || Date.now() > deadline) {
        reject(new Error(`simulate printed no inventory; exit ${child.exitCode}, stderr: ${output.stderr}`));
      } else {
        setTimeout(poll, 20);
      }
    };
    poll();
  });
}

function settingsFrom(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('export '));
}

describe('simulate command', () => {
  let directory: string;
  let busyServer: Server;
  let busyPort: number;

  before(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'simulate-cli-'));
    busyServer = createServer();
    await new Promise<void>((resolve) => busyServer.listen(0, '127.0.0.1', resolve));
    busyPort = (busyServer.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => busyServer.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  });

  it('exits 1 naming the address when the port is in use', async () => {
    const result = await runToExit(['--port', String(busyPort), '--host-key', path.join(directory, 'busy-port.key')], directory);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `error: cannot listen on 127.0.0.1:${busyPort}: the address is already in use. Pass --port 0 to pick a free port, or another --port\n`,
    );
  });

  it('exits 1 naming the host key file when it cannot be parsed', async () => {
    const keyFile = path.join(directory, 'malformed.key');
    await copyFile(fixturePath('ssh2-malformed-ed25519.key'), keyFile);
    const before = await readFile(keyFile, 'utf8');

    const result = await runToExit(['--port', '0', '--host-key', keyFile], directory);

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `error: the host key file ${keyFile} is not a usable SSH private key (Malformed OpenSSH private key). ` +
        'Delete the file so that a new key is created, or pass another file with --host-key\n',
    );
    assert.equal(await readFile(keyFile, 'utf8'), before);
  });

  it('exits 1 when the host key path is a directory', async () => {
    const result = await runToExit(['--port', '0', '--host-key', directory], directory);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: the host key file ${directory} is a directory, not a file. Pass a private key file with --host-key\n`);
  });

  it('prints shell exports, the known_hosts line and every VM', async () => {
    const password = `it's a "pass" $HOME`;
    const { child, output } = startCli(['simulate', '--port', '0', '--password', password], directory);
    try {
      const stdout = await waitForBanner(output, child, 6);
      const keyFile = path.join(directory, '.local', 'simulator', 'host_ed25519');
      const hostKey = loadHostKey(await readFile(keyFile, 'utf8'));
      assert.equal((await stat(keyFile)).mode & 0o777, 0o600);

      const port = /^ESC simulator listening on 127\.0\.0\.1:(\d+) /m.exec(stdout)?.[1];
      assert.ok(port !== undefined, stdout);
      assert.ok(Number(port) > 0, stdout);
      assert.match(stdout, new RegExp(`host key file: +${keyFile} \\(created\\)`));
      assert.deepEqual(settingsFrom(stdout), [
        'export ESC_HOST=127.0.0.1',
        `export ESC_PORT=${port}`,
        'export ESC_USERNAME=admin',
        `export ESC_PASSWORD='it'\\''s a "pass" $HOME'`,
        `export ESC_HOST_KEY_SHA256=${hostKey.fingerprint}`,
      ]);
      assert.ok(stdout.includes(`\n[127.0.0.1]:${port} ${hostKey.publicKeyLine}\n`), stdout);

      const expectedTable = formatInventoryTable(Inventory.fromSeed(DEFAULT_INVENTORY_SEED));
      assert.ok(stdout.includes(`Inventory: 6 VMs; pass a VM name to "esc-bridge command <action> <vmName>"\n${expectedTable.join('\n')}\n`), stdout);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await waitForExit(child), 0);
  });

  it('prints settings that a POSIX shell accepts', async () => {
    const password = `it's a "pass" $HOME`;
    const { child, output } = startCli(['simulate', '--port', '0', '--password', password, '--host-key', path.join(directory, 'shell.key')], directory);
    let stdout: string;
    try {
      stdout = await waitForBanner(output, child, 6);
    } finally {
      child.kill('SIGTERM');
    }
    await waitForExit(child);

    const script = `${settingsFrom(stdout).join('\n')}\nprintf '%s\\n' "$ESC_HOST" "$ESC_USERNAME" "$ESC_PASSWORD"`;
    const printed = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(printed, `127.0.0.1\nadmin\n${password}\n`);
  });

  it('help says the host key path is relative to the current directory', () => {
    const help = execFileSync(process.execPath, [CLI, 'simulate', '--help'], { encoding: 'utf8' });
    assert.match(help.replace(/\s+/g, ' '), /--host-key <file> SSH host private key file, relative to the current directory;/);
    assert.match(help.replace(/\s+/g, ' '), /\(default: "\.local\/simulator\/host_ed25519"\)/);
  });
});

describe('shellQuote', () => {
  it('leaves safe values unquoted', () => {
    assert.equal(shellQuote('SHA256:ab+/cd'), 'SHA256:ab+/cd');
    assert.equal(shellQuote('127.0.0.1'), '127.0.0.1');
  });

  it('quotes spaces, dollars and single quotes', () => {
    assert.equal(shellQuote('a b'), `'a b'`);
    assert.equal(shellQuote('$HOME'), `'$HOME'`);
    assert.equal(shellQuote(`it's`), `'it'\\''s'`);
    assert.equal(shellQuote(''), `''`);
  });
});

describe('formatInventoryTable', () => {
  it('lists each VM with its state, tenant and deployment', () => {
    const inventory = Inventory.fromSeed({
      tenants: [
        {
          name: 'lab',
          deployments: [{ name: 'web-dep', vmGroups: [{ name: 'W', vms: [{ name: 'web-1' }, { name: 'web-2', state: 'stopped' }] }] }],
        },
      ],
    });
    assert.deepEqual(formatInventoryTable(inventory), [
      '  STATE    TENANT  DEPLOYMENT  VM NAME',
      '  running  lab     web-dep     web-1',
      '  stopped  lab     web-dep     web-2',
    ]);
  });
});
