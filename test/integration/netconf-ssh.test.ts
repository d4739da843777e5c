import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel } from 'ssh2';
import { connectNetconf, type NetconfConnectOptions } from '../../functions/netconf/ssh-transport.js';
import { FrameDecoder, encodeFrame } from '../../functions/netconf/framing.js';
import { BASE_1_0, BASE_1_1, NOTIFICATION_1_0, buildHello, chooseFraming, parseHello } from '../../functions/netconf/hello.js';
import { sha256Fingerprint } from '../../functions/netconf/host-key.js';
import {
  NetconfAuthError,
  NetconfConnectError,
  NetconfHostKeyError,
  NetconfSessionClosedError,
} from '../../functions/netconf/errors.js';
import { generateEd25519KeyPair } from '../../functions/simulator/index.js';

const { Server, utils } = ssh2;
const USERNAME = 'netconf-user';
const PASSWORD = 'correct horse battery staple';

/** Creates a trace-level logger that keeps every JSON line it writes. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

function parsePublicKey(openssh: string): ParsedKey {
  const parsed = utils.parseKey(openssh);
  if (parsed instanceof Error) {
    throw parsed;
  }
  return parsed;
}

/** What the test SSH server observed. */
interface ServerRecord {
  connections: number;
  authAttempts: string[];
  /** Raw data chunks of the netconf channel, in arrival order. */
  channelChunks: string[];
  /** Names of SSH global requests, read from ssh2's debug output (keepalives are keepalive@openssh.com). */
  globalRequests: string[];
}

/**
 * A minimal NETCONF-over-SSH server: password and public-key auth, the `netconf` subsystem,
 * hello, `<get-config>` and `<close-session>` replies.
 */
class TestNetconfServer {
  readonly hostKey = generateEd25519KeyPair();
  /** A second host key, so the client has to choose between two key types. */
  readonly rsaHostKey = utils.generateKeyPairSync('rsa', { bits: 2048 });
  readonly clientKey = generateEd25519KeyPair();
  readonly record: ServerRecord = { connections: 0, authAttempts: [], channelChunks: [], globalRequests: [] };
  private readonly server: InstanceType<typeof Server>;
  private readonly connections = new Set<Connection>();
  port = 0;

  constructor() {
    // ssh2's server replies to keepalive@openssh.com itself without an event, so its debug output
    // is the only place the test can see the requests.
    const debug = (message: string): void => {
      const name = /Inbound: GLOBAL_REQUEST \((.+)\)$/.exec(message)?.[1];
      if (name !== undefined) {
        this.record.globalRequests.push(name);
      }
    };
    this.server = new Server({ hostKeys: [this.hostKey.private, this.rsaHostKey.private], debug }, (connection) => this.handleConnection(connection));
  }

  get hostKeyBlob(): Buffer {
    return parsePublicKey(this.hostKey.public).getPublicSSH();
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) {
      connection.end();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handleConnection(connection: Connection): void {
    this.record.connections += 1;
    this.connections.add(connection);
    connection.on('close', () => this.connections.delete(connection));
    connection.on('error', () => undefined);
    connection.on('authentication', (context) => this.authenticate(context));
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('subsystem', (acceptSubsystem, rejectSubsystem, info) => {
          if (info.name !== 'netconf') {
            rejectSubsystem();
            return;
          }
          this.serveNetconf(acceptSubsystem());
        });
      });
    });
  }

  private authenticate(context: AuthContext): void {
    this.record.authAttempts.push(context.method);
    if (context.username !== USERNAME) {
      context.reject();
    } else if (context.method === 'password' && context.password === PASSWORD) {
      context.accept();
    } else if (context.method === 'publickey') {
      const clientPublic = parsePublicKey(this.clientKey.public);
      if (!context.key.data.equals(clientPublic.getPublicSSH())) {
        context.reject();
      } else if (context.signature === undefined) {
        context.accept();
      } else if (clientPublic.verify(context.blob!, context.signature, context.hashAlgo)) {
        context.accept();
      } else {
        context.reject();
      }
    } else {
      context.reject(['password', 'publickey']);
    }
  }

  private serveNetconf(channel: ServerChannel): void {
    const serverCapabilities = [BASE_1_0, BASE_1_1, NOTIFICATION_1_0];
    const decoder = new FrameDecoder({ framing: 'eom' });
    let framing: 'eom' | 'chunked' = 'eom';
    let helloSeen = false;
    channel.write(encodeFrame(buildHello(serverCapabilities, 17), 'eom'));
    channel.on('data', (chunk: Buffer) => {
      this.record.channelChunks.push(chunk.toString('utf8'));
      for (const message of decoder.push(chunk)) {
        const xml = message.toString('utf8');
        if (!helloSeen) {
          helloSeen = true;
          framing = chooseFraming(serverCapabilities, parseHello(xml).capabilities);
          decoder.setFraming(framing);
          continue;
        }
        const messageId = /message-id="([^"]*)"/.exec(xml)?.[1] ?? '';
        const body = xml.includes('<get-config') ? '<data><config xmlns="urn:example:test">value</config></data>' : '<ok/>';
        channel.write(encodeFrame(`<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="${messageId}">${body}</rpc-reply>`, framing));
        if (xml.includes('<close-session')) {
          channel.end();
        }
      }
    });
  }
}

describe('connectNetconf over SSH', () => {
  const server = new TestNetconfServer();
  let directory = '';

  before(async () => {
    await server.listen();
    directory = await mkdtemp(path.join(tmpdir(), 'netconf-ssh-test-'));
  });

  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  const baseOptions = (): NetconfConnectOptions => ({
    host: '127.0.0.1',
    port: server.port,
    username: USERNAME,
    hostKey: { kind: 'fingerprint', sha256: sha256Fingerprint(server.hostKeyBlob) },
    connectTimeoutMs: 5000,
  });

  it('connects with a password and runs get-config', async () => {
    server.record.channelChunks.length = 0;

    const session = await connectNetconf({ ...baseOptions(), password: PASSWORD });
    const reply = await session.rpc('<get-config><source><running/></source></get-config>');
    await session.close();

    assert.equal(session.sessionId, '17');
    assert.equal(session.framing, 'chunked');
    assert.equal(reply.ok, true);
    assert.match(reply.xml, /<config xmlns="urn:example:test">value<\/config>/);
    assert.ok(server.record.channelChunks[0]!.endsWith('</hello>]]>]]>'), 'the hello is written alone');
    assert.match(server.record.channelChunks[1]!, /^\n#\d+\n<rpc message-id="1"/);
  });

  it('connects with a private key', async () => {
    server.record.authAttempts.length = 0;

    const session = await connectNetconf({ ...baseOptions(), privateKey: server.clientKey.private });
    const reply = await session.rpc('<get-config><source><running/></source></get-config>');
    await session.close();

    assert.equal(reply.ok, true);
    assert.ok(server.record.authAttempts.includes('publickey'));
    assert.ok(!server.record.authAttempts.includes('password'));
  });

  it('rejects a wrong password with NetconfAuthError', async () => {
    await assert.rejects(connectNetconf({ ...baseOptions(), password: 'wrong' }), (error: unknown) => {
      assert.ok(error instanceof NetconfAuthError);
      assert.equal(error.retriable, false);
      assert.doesNotMatch(error.message, /wrong/);
      return true;
    });
  });

  it('sends no credential when the fingerprint mismatches', async () => {
    const connectionsBefore = server.record.connections;
    server.record.authAttempts.length = 0;
    const otherKey = parsePublicKey(generateEd25519KeyPair().public).getPublicSSH();

    await assert.rejects(
      connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'fingerprint', sha256: sha256Fingerprint(otherKey) } }),
      (error: unknown) => {
        assert.ok(error instanceof NetconfHostKeyError);
        assert.equal(error.code, 'NETCONF_HOST_KEY');
        assert.ok(error.message.includes(sha256Fingerprint(server.hostKeyBlob)));
        return true;
      },
    );
    assert.equal(server.record.connections, connectionsBefore + 1);
    assert.deepEqual(server.record.authAttempts, []);
  });

  it('rejects an invalid fingerprint before connecting', async () => {
    const connectionsBefore = server.record.connections;

    await assert.rejects(
      connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'fingerprint', sha256: 'SHA256:tooShort' } }),
      (error: unknown) => error instanceof NetconfHostKeyError && /Invalid SHA-256 host key fingerprint "SHA256:tooShort"/.test(error.message),
    );
    assert.equal(server.record.connections, connectionsBefore);
  });

  it('warns on every insecure-accept-any connect', async () => {
    const { logger, lines } = capturingLogger();

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const session = await connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'insecure-accept-any' }, logger });
      await session.close();
    }

    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40 && entry.msg.includes('insecure-accept-any'));
    assert.equal(warnings.length, 2);
  });

  it('logs no password or private key at trace level', async () => {
    const { logger, lines } = capturingLogger();

    const withPassword = await connectNetconf({ ...baseOptions(), password: PASSWORD, logger });
    await withPassword.rpc('<get-config><source><running/></source></get-config>');
    await withPassword.close();
    const withKey = await connectNetconf({ ...baseOptions(), privateKey: server.clientKey.private, logger });
    await withKey.close();

    const text = lines.join('');
    assert.ok(text.includes('netconf message sent'), 'trace lines were written');
    assert.ok(!text.includes(PASSWORD));
    assert.ok(!text.includes('PRIVATE KEY'));
  });

  it('accepts a matching known_hosts entry', async () => {
    const knownHostsPath = path.join(directory, 'known_hosts_match');
    const keyLine = `ssh-ed25519 ${server.hostKeyBlob.toString('base64')}`;
    await writeFile(knownHostsPath, `# test\nother-host ${keyLine}\n[127.0.0.1]:${server.port} ${keyLine}\n`);

    const session = await connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'known-hosts', path: knownHostsPath } });
    await session.close();

    assert.equal(session.closed, true);
  });

  it('negotiates the key type known_hosts lists', async () => {
    const knownHostsPath = path.join(directory, 'known_hosts_rsa_only');
    const rsaBlob = parsePublicKey(server.rsaHostKey.public).getPublicSSH();
    await writeFile(knownHostsPath, `[127.0.0.1]:${server.port} ssh-rsa ${rsaBlob.toString('base64')}\n`);

    const session = await connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'known-hosts', path: knownHostsPath } });
    await session.close();

    assert.equal(session.sessionId, '17');
  });

  it('rejects a mismatching known_hosts entry before auth', async () => {
    server.record.authAttempts.length = 0;
    const knownHostsPath = path.join(directory, 'known_hosts_mismatch');
    const otherKey = parsePublicKey(generateEd25519KeyPair().public).getPublicSSH();
    await writeFile(knownHostsPath, `[127.0.0.1]:${server.port} ssh-ed25519 ${otherKey.toString('base64')}\n`);

    await assert.rejects(
      connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'known-hosts', path: knownHostsPath } }),
      /matches none of the known_hosts entries/,
    );
    assert.deepEqual(server.record.authAttempts, []);
  });

  it('rejects a missing known_hosts file', async () => {
    await assert.rejects(
      connectNetconf({ ...baseOptions(), password: PASSWORD, hostKey: { kind: 'known-hosts', path: path.join(directory, 'absent') } }),
      (error: unknown) => error instanceof NetconfHostKeyError && /Cannot read known_hosts file/.test(error.message),
    );
  });

  it('sends keepalives at keepaliveIntervalMs', async () => {
    server.record.globalRequests.length = 0;

    const session = await connectNetconf({ ...baseOptions(), password: PASSWORD, keepaliveIntervalMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 450));
    await session.close();

    const keepalives = server.record.globalRequests.filter((name) => name === 'keepalive@openssh.com');
    assert.ok(keepalives.length >= 2, `expected at least 2 keepalives, got ${keepalives.length}`);
  });

  it('closes the session after keepaliveCountMax unanswered keepalives', async () => {
    const proxy = new FreezableProxy(server.port);
    await proxy.listen();
    try {
      const session = await connectNetconf({ ...baseOptions(), port: proxy.port, password: PASSWORD, keepaliveIntervalMs: 100, keepaliveCountMax: 2 });
      const closed = new Promise<Error | undefined>((resolve) => session.once('close', resolve));
      const startedAt = Date.now();
      proxy.frozen = true;
      const closeError = await closed;

      const elapsedMs = Date.now() - startedAt;
      assert.ok(closeError instanceof NetconfSessionClosedError);
      assert.match(closeError.message, /keepalive/i);
      assert.ok(elapsedMs >= 200, `closed after ${elapsedMs} ms`);
      assert.ok(elapsedMs < 2000, `closed after ${elapsedMs} ms`);
    } finally {
      await proxy.close();
    }
  });
});

/** A TCP proxy that stops forwarding bytes when `frozen` is set, like a network that drops packets. */
class FreezableProxy {
  frozen = false;
  port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: TcpServer;

  constructor(targetPort: number) {
    this.server = createServer((inbound) => {
      const outbound = connect(targetPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
      }
      inbound.on('data', (chunk) => this.frozen || outbound.write(chunk));
      outbound.on('data', (chunk) => this.frozen || inbound.write(chunk));
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('connectNetconf connect timeout', () => {
  let silentServer: TcpServer;
  const sockets = new Set<Socket>();

  before(async () => {
    // Accepts TCP connections and never sends an SSH banner.
    silentServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => silentServer.close(() => resolve()));
  });

  it('fails with NetconfConnectError after connectTimeoutMs', async () => {
    const startedAt = Date.now();

    await assert.rejects(
      connectNetconf({
        host: '127.0.0.1',
        port: (silentServer.address() as AddressInfo).port,
        username: USERNAME,
        password: PASSWORD,
        hostKey: { kind: 'insecure-accept-any' },
        connectTimeoutMs: 300,
      }),
      (error: unknown) => {
        assert.ok(error instanceof NetconfConnectError);
        assert.equal(error.retriable, true);
        assert.match(error.message, /timed out/i);
        return true;
      },
    );
    const elapsedMs = Date.now() - startedAt;
    assert.ok(elapsedMs >= 250, `took ${elapsedMs} ms`);
    assert.ok(elapsedMs < 2000, `took ${elapsedMs} ms`);
  });
});
