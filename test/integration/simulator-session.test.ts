import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { firstChild, parseXml, type XmlElement } from '../../functions/common/xml.js';
import { FrameDecoder, encodeFrame, type Framing } from '../../functions/netconf/framing.js';
import { BASE_1_0, BASE_1_1, buildHello } from '../../functions/netconf/hello.js';
import { sshFingerprint, startSimulator, type RunningSimulator } from '../../functions/simulator/index.js';
import { fixturePath } from '../helpers/paths.js';

const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';
const ESC_NS = 'http://www.cisco.com/esc/esc';

/** A bare NETCONF client over ssh2, so tests control every byte the simulator receives. */
class RawSession {
  private readonly decoder = new FrameDecoder({ framing: 'eom' });
  private readonly received: string[] = [];
  private waiter: (() => void) | undefined;
  framing: Framing = 'eom';
  closed = false;

  private constructor(readonly client: ssh2.Client, readonly channel: ClientChannel) {
    channel.on('data', (data: Buffer) => {
      for (const message of this.decoder.push(data)) {
        this.received.push(message.toString('utf8'));
      }
      this.waiter?.();
    });
    channel.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  /**
   * Opens a session on a new SSH connection, or on `client` when given. `firstRpc`, or else the
   * raw bytes `firstBytes`, goes out in the same write as the hello.
   */
  static async open(
    simulator: RunningSimulator,
    options: { capabilities?: string[]; firstRpc?: string; firstBytes?: Buffer; client?: ssh2.Client } = {},
  ): Promise<RawSession> {
    const client = options.client ?? (await connectSsh(simulator));
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.subsys('netconf', (error, stream) => (error ? reject(error) : resolve(stream)));
    });
    const session = new RawSession(client, channel);
    const serverHello = await session.next();
    const capabilities = options.capabilities ?? [BASE_1_0, BASE_1_1];
    const chunked = serverHello.includes(BASE_1_1) && capabilities.includes(BASE_1_1);
    session.framing = chunked ? 'chunked' : 'eom';
    session.decoder.setFraming(session.framing);
    // The hello and the first rpc go out in one write, as some clients send them.
    const hello = encodeFrame(buildHello(capabilities), 'eom');
    const first = options.firstRpc === undefined ? (options.firstBytes ?? Buffer.alloc(0)) : encodeFrame(options.firstRpc, session.framing);
    channel.write(Buffer.concat([hello, first]));
    return session;
  }

  async next(timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed || Date.now() > deadline) {
        throw new Error(`no NETCONF message within ${timeoutMs} ms (closed: ${this.closed})`);
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.received.shift()!;
  }

  async rpc(xml: string): Promise<XmlElement> {
    this.send(xml);
    return parseXml(await this.next());
  }

  send(xml: string): void {
    this.channel.write(encodeFrame(xml, this.framing));
  }

  end(): void {
    this.client.end();
  }
}

async function connectSsh(simulator: RunningSimulator): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject).connect({
      host: simulator.host,
      port: simulator.port,
      username: simulator.username,
      password: simulator.password,
      hostVerifier: (key: Buffer) => sshFingerprint(key) === simulator.hostKeyFingerprint,
    });
  });
  return client;
}

function rpc(messageId: string, body: string): string {
  return `<rpc message-id="${messageId}" xmlns="${BASE_NS}">${body}</rpc>`;
}

function vmActionRpc(messageId: string, actionType: string, vmName: string): string {
  return rpc(messageId, `<vmAction xmlns="${ESC_NS}"><actionType>${actionType}</actionType><vmName>${vmName}</vmName></vmAction>`);
}

function errorOf(reply: XmlElement): { tag?: string; type?: string; message?: string; path?: string } {
  const error = firstChild(reply, 'rpc-error', BASE_NS);
  assert.ok(error, 'expected an rpc-error');
  return {
    tag: firstChild(error, 'error-tag', BASE_NS)?.text,
    type: firstChild(error, 'error-type', BASE_NS)?.text,
    message: firstChild(error, 'error-message', BASE_NS)?.text,
    path: firstChild(error, 'error-path', BASE_NS)?.text,
  };
}

function eventTypeOf(notification: string): string | undefined {
  const escEvent = firstChild(parseXml(notification), 'escEvent', ESC_NS);
  return escEvent && firstChild(firstChild(escEvent, 'event', ESC_NS)!, 'type', ESC_NS)?.text;
}

function statusOf(notification: string): string | undefined {
  return firstChild(firstChild(parseXml(notification), 'escEvent', ESC_NS)!, 'status', ESC_NS)?.text;
}

const SUBSCRIBE = rpc('s1', `<create-subscription xmlns="${NOTIFICATION_NS}"><stream>escEvent</stream></create-subscription>`);

describe('simulator netconf session', () => {
  let simulator: RunningSimulator;
  const sessions: RawSession[] = [];

  async function open(options?: Parameters<typeof RawSession.open>[1]): Promise<RawSession> {
    const session = await RawSession.open(simulator, options);
    sessions.push(session);
    return session;
  }

  async function subscriber(): Promise<RawSession> {
    const session = await open();
    const reply = await session.rpc(SUBSCRIBE);
    assert.ok(firstChild(reply, 'ok', BASE_NS), 'subscription failed');
    return session;
  }

  before(async () => {
    simulator = await startSimulator({ password: 'pw', actionDelayMs: 5, aliveDelayMs: 5 });
  });

  after(async () => {
    for (const session of sessions) {
      session.end();
    }
    await simulator.stop();
  });

  it('answers an rpc sent with the hello in one chunked write', async () => {
    const session = await open({ firstRpc: rpc('42', '<get/>') });
    assert.equal(session.framing, 'chunked');
    const reply = parseXml(await session.next());
    assert.equal(reply.attributes['message-id'], '42');
    const data = firstChild(reply, 'data', BASE_NS)!;
    assert.ok(firstChild(data, 'esc_datamodel', ESC_NS));
  });

  it('answers an rpc sent with a base 1.0 hello', async () => {
    const session = await open({ capabilities: [BASE_1_0], firstRpc: rpc('43', '<get/>') });
    assert.equal(session.framing, 'eom');
    assert.equal(parseXml(await session.next()).attributes['message-id'], '43');
  });

  it('lists VM ids and names in get', async () => {
    const session = await open();
    const reply = await session.rpc(rpc('1', '<get/>'));
    const vm = simulator.inventory.listVms()[0]!;
    const xml = JSON.stringify(reply);
    assert.ok(xml.includes(vm.vmid));
    assert.ok(xml.includes(vm.name));
  });

  it('echoes the request attributes', async () => {
    const session = await open();
    const reply = await session.rpc(`<rpc message-id="7" xmlns="${BASE_NS}" xmlns:ex="urn:ex" ex:user="alice"><get/></rpc>`);
    assert.deepEqual(reply.attributes, { 'message-id': '7', 'ex:user': 'alice' });
  });

  it('rejects an rpc without message-id', async () => {
    const session = await open();
    const reply = await session.rpc(`<rpc xmlns="${BASE_NS}"><get/></rpc>`);
    assert.equal(errorOf(reply).tag, 'missing-attribute');
  });

  it('rejects an unknown operation', async () => {
    const session = await open();
    const reply = await session.rpc(rpc('2', '<lock><target><running/></target></lock>'));
    assert.equal(errorOf(reply).tag, 'operation-not-supported');
  });

  it('rejects an unknown stream', async () => {
    const session = await open();
    const reply = await session.rpc(rpc('3', `<create-subscription xmlns="${NOTIFICATION_NS}"><stream>nope</stream></create-subscription>`));
    assert.equal(errorOf(reply).tag, 'invalid-value');
  });

  it('rejects replay with startTime', async () => {
    const session = await open();
    const reply = await session.rpc(rpc('4', `<create-subscription xmlns="${NOTIFICATION_NS}"><stream>escEvent</stream><startTime>2024-01-01T00:00:00Z</startTime></create-subscription>`));
    assert.deepEqual([errorOf(reply).tag, /replay is not supported/i.test(errorOf(reply).message ?? '')], ['operation-failed', true]);
  });

  it('subscribes to the default stream', async () => {
    const session = await open();
    const reply = await session.rpc(rpc('5', `<create-subscription xmlns="${NOTIFICATION_NS}"/>`));
    assert.ok(firstChild(reply, 'ok', BASE_NS));
  });

  it('rejects a second subscription', async () => {
    const session = await subscriber();
    const reply = await session.rpc(SUBSCRIBE);
    assert.equal(errorOf(reply).tag, 'operation-not-supported');
  });

  it('closes the session on close-session', async () => {
    const session = await open();
    const reply = await session.rpc(rpc('6', '<close-session/>'));
    assert.ok(firstChild(reply, 'ok', BASE_NS));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(session.closed, true);
  });

  it('rejects an invalid actionType with error-path', async () => {
    const session = await open();
    const reply = await session.rpc(vmActionRpc('8', 'PAUSE', simulator.inventory.listVms()[0]!.name));
    assert.equal(errorOf(reply).tag, 'invalid-value');
    assert.equal(errorOf(reply).path, '/rpc/esc:vmAction/esc:actionType');
  });

  it('rejects START of a running VM', async () => {
    const session = await open();
    const running = simulator.inventory.listVms().find((vm) => vm.state === 'running')!;
    const reply = await session.rpc(vmActionRpc('9', 'START', running.name));
    assert.deepEqual([errorOf(reply).tag, errorOf(reply).type], ['operation-failed', 'application']);
    assert.match(errorOf(reply).message ?? '', new RegExp(running.name));
  });

  it('sends VM_STARTED then VM_ALIVE after START', async () => {
    const watcher = await subscriber();
    const worker = await open();
    const stopped = simulator.inventory.listVms().find((vm) => vm.state === 'stopped')!;
    assert.ok(firstChild(await worker.rpc(vmActionRpc('10', 'START', stopped.name)), 'ok', BASE_NS));
    assert.equal(eventTypeOf(await watcher.next()), 'VM_STARTED');
    const alive = await watcher.next();
    assert.equal(eventTypeOf(alive), 'VM_ALIVE');
    assert.match(alive, /after started, VM ID: \[/);
    watcher.end();
  });

  it('sends a FAILURE event on an event-failure rule', async () => {
    const watcher = await subscriber();
    const worker = await open();
    const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
    simulator.setFailure({ vmName: vm.name, actionType: 'STOP', mode: 'event-failure' });
    try {
      assert.ok(firstChild(await worker.rpc(vmActionRpc('11', 'STOP', vm.name)), 'ok', BASE_NS));
      const event = await watcher.next();
      assert.deepEqual([eventTypeOf(event), statusOf(event)], ['VM_STOPPED', 'FAILURE']);
      assert.equal(simulator.inventory.findVm(vm.name)!.state, 'running');
    } finally {
      simulator.clearFailures();
      watcher.end();
    }
  });

  it('replies rpc-error on an rpc-error rule', async () => {
    const worker = await open();
    simulator.setFailure({ actionType: 'REBOOT', mode: 'rpc-error' });
    try {
      const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
      assert.equal(errorOf(await worker.rpc(vmActionRpc('12', 'REBOOT', vm.name))).tag, 'operation-failed');
    } finally {
      simulator.clearFailures();
    }
  });

  it('drops the connection on a drop-session rule', async () => {
    const worker = await open();
    simulator.setFailure({ mode: 'drop-session' });
    try {
      const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
      worker.send(vmActionRpc('13', 'REBOOT', vm.name));
      await assert.rejects(worker.next(2000), /closed: true/);
    } finally {
      simulator.clearFailures();
    }
  });

  it('sends nothing on a no-reply rule', async () => {
    const worker = await open();
    simulator.setFailure({ mode: 'no-reply' });
    try {
      const vm = simulator.inventory.listVms().find((candidate) => candidate.state === 'running')!;
      worker.send(vmActionRpc('14', 'REBOOT', vm.name));
      await assert.rejects(worker.next(300), /no NETCONF message within 300 ms/);
    } finally {
      simulator.clearFailures();
    }
  });

  it('replays notification files verbatim', async () => {
    const watcher = await subscriber();
    const file = fixturePath('notification-vm-started-success.xml');
    const written = await simulator.replayFiles([file]);
    assert.ok(written >= 1);
    const { readFile } = await import('node:fs/promises');
    assert.equal(await watcher.next(), await readFile(file, 'utf8'));
    watcher.end();
  });

  it('rejects a replay file that is not a notification', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'replay-'));
    try {
      const file = path.join(directory, 'reply.xml');
      await writeFile(file, `<rpc-reply xmlns="${BASE_NS}" message-id="1"><ok/></rpc-reply>`);
      await assert.rejects(simulator.replayFiles([file]), /must contain a <notification>/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('delivers every burst notification in order', async () => {
    const watcher = await subscriber();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = simulator.stats().notificationsSent;
    const subscribers = simulator.stats().subscribers;
    await simulator.emitBurst(500);
    const times: string[] = [];
    for (let index = 0; index < 500; index += 1) {
      const notification = parseXml(await watcher.next());
      times.push(firstChild(notification, 'eventTime', NOTIFICATION_NS)!.text);
    }
    assert.equal(new Set(times).size, 500);
    assert.deepEqual([...times].sort(), times);
    assert.equal(simulator.stats().notificationsSent - before, 500 * subscribers);
    watcher.end();
  });
});

describe('simulator chunk header errors', () => {
  let simulator: RunningSimulator;
  let client: ssh2.Client | undefined;
  const logEntries: Array<Record<string, unknown>> = [];

  before(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => logEntries.push(JSON.parse(line) as Record<string, unknown>) });
    simulator = await startSimulator({ password: 'pw', logger });
  });

  after(async () => {
    client?.end();
    await simulator.stop();
  });

  it('closes only the session with a bad chunk header', async () => {
    client = await connectSsh(simulator);
    const healthy = await RawSession.open(simulator, { client });
    assert.equal(healthy.framing, 'chunked');
    assert.equal((await healthy.rpc(rpc('1', '<get/>'))).localName, 'rpc-reply');

    // The bad header comes in the hello's write, so it is decoded right after the hello.
    const broken = await RawSession.open(simulator, { client, firstBytes: Buffer.from('\n#012\n<rpc/>\n##\n', 'ascii') });
    await assert.rejects(broken.next(2000), /closed: true/);

    const reply = await healthy.rpc(rpc('2', '<get/>'));
    assert.equal(reply.attributes['message-id'], '2');
    const logged = logEntries.find((entry) => entry.msg === 'netconf framing error, closing session');
    assert.ok(logged, 'framing error not logged');
    assert.equal(typeof logged.sessionId, 'number');
    assert.match(String((logged.err as { message?: string }).message), /Invalid chunk header/);
  });

  it('accepts a new session after a bad chunk header', async () => {
    const broken = await RawSession.open(simulator);
    await new Promise((resolve) => setTimeout(resolve, 50));
    broken.channel.write(Buffer.from('\n#x\n', 'ascii'));
    await assert.rejects(broken.next(2000), /closed: true/);
    broken.end();

    const session = await RawSession.open(simulator);
    const reply = await session.rpc(rpc('3', '<get/>'));
    session.end();
    assert.equal(reply.attributes['message-id'], '3');
  });
});
