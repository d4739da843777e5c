import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { generateEd25519KeyPair, sshFingerprint, startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';

const { Client } = ssh2;

function connect(simulator: RunningSimulator, credentials: Partial<ConnectConfig>): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: simulator.host,
      port: simulator.port,
      username: simulator.username,
      readyTimeout: 5000,
      hostVerifier: (key: Buffer) => sshFingerprint(key) === simulator.hostKeyFingerprint,
      ...credentials,
    });
  });
}

function readUntilClosed(channel: ClientChannel): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let exitCode: number | undefined;
    channel.on('data', (data: Buffer) => { stdout += data.toString(); });
    channel.stderr.on('data', (data: Buffer) => { stderr += data.toString(); });
    channel.on('exit', (code: number) => { exitCode = code; });
    channel.on('close', () => resolve({ stdout, stderr, exitCode }));
  });
}

describe('simulator ssh server', () => {
  const clientKey = generateEd25519KeyPair();
  const otherKey = generateEd25519KeyPair();
  let simulator: RunningSimulator;

  before(async () => {
    simulator = await startSimulator({ password: 'right-password', authorizedKeys: [clientKey.public] });
  });

  after(async () => {
    await simulator.stop();
  });

  it('rejects a wrong password', async () => {
    await assert.rejects(connect(simulator, { password: 'wrong-password' }), (error: Error & { level?: string }) => {
      assert.equal(error.level, 'client-authentication');
      return true;
    });
  });

  it('rejects a wrong username', async () => {
    await assert.rejects(connect(simulator, { username: 'root', password: 'right-password' }), /authentication methods failed/);
  });

  it('rejects a key that is not authorized', async () => {
    await assert.rejects(connect(simulator, { privateKey: otherKey.private }), /authentication methods failed/);
  });

  it('accepts the password', async () => {
    const client = await connect(simulator, { password: 'right-password' });
    client.end();
  });

  it('accepts an authorized public key and serves netconf', async () => {
    const client = await connect(simulator, { privateKey: clientKey.private });
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        client.subsys('netconf', (error, stream) => (error ? reject(error) : resolve(stream)));
      });
      const hello = await new Promise<string>((resolve) => {
        let received = '';
        channel.on('data', (data: Buffer) => {
          received += data.toString();
          if (received.includes(']]>]]>')) {
            resolve(received);
          }
        });
      });
      assert.match(hello, /<capability>urn:ietf:params:netconf:base:1\.0<\/capability>/);
      assert.match(hello, /<session-id>\d+<\/session-id>/);
      channel.end();
    } finally {
      client.end();
    }
  });

  it('publishes a fingerprint matching the public key', () => {
    const blob = Buffer.from(simulator.hostPublicKey.split(' ')[1]!, 'base64');
    assert.equal(simulator.hostPublicKey.split(' ')[0], 'ssh-ed25519');
    assert.equal(sshFingerprint(blob), simulator.hostKeyFingerprint);
    assert.match(simulator.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses a shell with a message', async () => {
    const client = await connect(simulator, { password: 'right-password' });
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        client.shell(false, (error, stream) => (error ? reject(error) : resolve(stream)));
      });
      const output = await readUntilClosed(channel);
      assert.equal(output.exitCode, 1);
      assert.match(output.stderr, /only the "netconf" subsystem/);
      assert.equal(output.stdout, '');
    } finally {
      client.end();
    }
  });

  it('refuses exec with a message', async () => {
    const client = await connect(simulator, { password: 'right-password' });
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        client.exec('show running-config', (error, stream) => (error ? reject(error) : resolve(stream)));
      });
      const output = await readUntilClosed(channel);
      assert.equal(output.exitCode, 1);
      assert.match(output.stderr, /exec of "show running-config" is not available/);
    } finally {
      client.end();
    }
  });

  it('rejects another subsystem', async () => {
    const client = await connect(simulator, { password: 'right-password' });
    try {
      await assert.rejects(
        new Promise<ClientChannel>((resolve, reject) => {
          client.subsys('sftp', (error, stream) => (error ? reject(error) : resolve(stream)));
        }),
        /Unable to start subsystem/,
      );
    } finally {
      client.end();
    }
  });
});
