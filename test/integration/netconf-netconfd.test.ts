import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstChild, type XmlElement } from '../../functions/common/xml.js';
import {
  BASE_1_0,
  BASE_1_1,
  NOTIFICATION_1_0,
  NetconfAuthError,
  NetconfHostKeyError,
  connectNetconf,
  type NetconfConnectOptions,
  type NetconfNotification,
  type NetconfSession,
} from '../../functions/netconf/index.js';
import { repositoryRoot } from '../helpers/paths.js';

// Runs the NETCONF client against Debian's netconfd 2.13 (yuma123) behind OpenSSH's sshd on
// 127.0.0.1, started by test/peers/netconfd/start.sh. It needs root and the Debian packages that
// scripts/ensure-deps.sh installs.

const PEER_SCRIPTS = path.join(repositoryRoot, 'test', 'peers', 'netconfd');
const NETCONF_NOTIFICATIONS_NAMESPACE = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications';
const NACM_NAMESPACE = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const CANDIDATE_1_0 = 'urn:ietf:params:netconf:capability:candidate:1.0';

/** Binaries start.sh runs, with the Debian package of each. */
const REQUIRED_BINARIES: ReadonlyArray<[string, string]> = [
  ['/usr/sbin/netconfd', 'netconfd'],
  ['/usr/sbin/netconf-subsystem', 'netconfd'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh-keygen', 'openssh-client'],
];

/** Contents of the peer.json file that start.sh writes. */
interface PeerInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  privateKeyPath: string;
  hostKeyFingerprint: string;
  hostPublicKey: string;
  stateDir: string;
  pids: { sshd: number; netconfd: number };
  logs: { sshd: string; netconfd: string };
}

function runScript(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [path.join(PEER_SCRIPTS, script), ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) {
        code = typeof error.code === 'number' ? error.code : 1;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

async function assertPeerPackagesInstalled(): Promise<void> {
  const missing: string[] = [];
  for (const [binary, debianPackage] of REQUIRED_BINARIES) {
    try {
      await access(binary, constants.X_OK);
    } catch {
      missing.push(`${binary} (package ${debianPackage})`);
    }
  }
  assert.deepEqual(missing, [], `The netconfd interoperability test needs ${missing.join(', ')}. Run "bash scripts/ensure-deps.sh" as root, which installs them with apt-get, or install the packages yourself.`);
}

/** Resolves with the first notification that `matches` accepts, or rejects after `timeoutMs`. */
function waitForNotification(session: NetconfSession, matches: (notification: NetconfNotification) => boolean, timeoutMs: number): Promise<NetconfNotification> {
  return new Promise((resolve, reject) => {
    const received: string[] = [];
    const timer = setTimeout(() => {
      session.off('notification', listener);
      reject(new Error(`No matching notification within ${timeoutMs} ms; received:\n${received.join('\n')}`));
    }, timeoutMs);
    const listener = (notification: NetconfNotification): void => {
      received.push(notification.xml);
      if (matches(notification)) {
        clearTimeout(timer);
        session.off('notification', listener);
        resolve(notification);
      }
    };
    session.on('notification', listener);
  });
}

/** Descends from `element` through the child path `names`, all in `namespace`; fails the test if a step is missing. */
function descend(element: XmlElement | undefined, names: string[], namespace: string): XmlElement {
  let current = element;
  for (const name of names) {
    assert.ok(current !== undefined, `missing parent of <${name}>`);
    current = firstChild(current, name, namespace);
  }
  assert.ok(current !== undefined, `missing <${names.join('/')}> in namespace ${namespace}`);
  return current;
}

describe('NETCONF client against netconfd', () => {
  let stateDir: string | undefined;
  let peer: PeerInfo;
  const openSessions: NetconfSession[] = [];

  /** Builds connection options for the running peer: password login and the pinned fingerprint, unless `overrides` replace them. */
  function options(overrides: Partial<NetconfConnectOptions> = {}): NetconfConnectOptions {
    return {
      host: peer.host,
      port: peer.port,
      username: peer.user,
      password: peer.password,
      hostKey: { kind: 'fingerprint', sha256: peer.hostKeyFingerprint },
      connectTimeoutMs: 10_000,
      helloTimeoutMs: 10_000,
      rpcTimeoutMs: 10_000,
      ...overrides,
    };
  }

  async function connect(overrides: Partial<NetconfConnectOptions> = {}): Promise<NetconfSession> {
    const session = await connectNetconf(options(overrides));
    openSessions.push(session);
    return session;
  }

  before(async () => {
    await assertPeerPackagesInstalled();
    stateDir = await mkdtemp(path.join(tmpdir(), 'esc-bridge-netconfd-'));
    const started = await runScript('start.sh', [stateDir, '0']);
    assert.equal(started.code, 0, `test/peers/netconfd/start.sh failed with exit code ${started.code}:\n${started.stderr}`);
    const infoPath = started.stdout.trim();
    assert.equal(infoPath, path.join(stateDir, 'peer.json'));
    peer = JSON.parse(await readFile(infoPath, 'utf8')) as PeerInfo;
  });

  after(async () => {
    await Promise.all(openSessions.map((session) => session.close()));
    if (stateDir === undefined) {
      return;
    }
    try {
      await access(path.join(stateDir, '.netconfd-peer'));
    } catch {
      // start.sh failed before it marked the directory as its own, so it started nothing.
      await rm(stateDir, { recursive: true, force: true });
      return;
    }
    const stopped = await runScript('stop.sh', [stateDir]);
    assert.equal(stopped.code, 0, `test/peers/netconfd/stop.sh failed with exit code ${stopped.code}:\n${stopped.stderr}`);
  });

  it('connects with password and fingerprint', async () => {
    const session = await connect();

    assert.match(session.sessionId ?? '', /^[1-9][0-9]*$/);
    const reply = await session.rpc('<get-config><source><running/></source></get-config>');
    assert.equal(reply.ok, true);
    await session.close();
    assert.equal(session.closed, true);
  });

  it('connects with a private key and known_hosts', async () => {
    const knownHostsPath = path.join(peer.stateDir, 'known_hosts');
    await writeFile(knownHostsPath, `[${peer.host}]:${peer.port} ${peer.hostPublicKey}\n`);

    const session = await connect({
      password: undefined,
      privateKey: await readFile(peer.privateKeyPath),
      hostKey: { kind: 'known-hosts', path: knownHostsPath },
    });

    const reply = await session.rpc('<get-config><source><running/></source></get-config>');
    assert.equal(reply.ok, true);
    await session.close();
  });

  it('negotiates base:1.1 and chunked framing', async () => {
    const session = await connect();

    assert.ok(session.serverCapabilities.includes(BASE_1_0), `capabilities: ${session.serverCapabilities.join(' ')}`);
    assert.ok(session.serverCapabilities.includes(BASE_1_1), `capabilities: ${session.serverCapabilities.join(' ')}`);
    assert.ok(session.serverCapabilities.includes(NOTIFICATION_1_0), `capabilities: ${session.serverCapabilities.join(' ')}`);
    assert.equal(session.framing, 'chunked');
    await session.close();
  });

  it('uses end-of-message framing when offering only base:1.0', async () => {
    const session = await connect({ baseVersions: ['1.0'] });

    assert.equal(session.framing, 'eom');
    const reply = await session.rpc('<get-config><source><running/></source></get-config>');
    assert.equal(reply.ok, true);
    await session.close();
  });

  it('returns running config data from get-config', async () => {
    const session = await connect();

    const reply = await session.rpc('<get-config><source><running/></source></get-config>');

    assert.equal(reply.ok, true);
    assert.deepEqual(reply.errors, []);
    const data = firstChild(reply.root, 'data', 'urn:ietf:params:xml:ns:netconf:base:1.0');
    assert.ok(data !== undefined, `no <data> in ${reply.xml}`);
    assert.ok(firstChild(data, 'nacm', NACM_NAMESPACE) !== undefined, `no <nacm> in ${reply.xml}`);
    await session.close();
  });

  it('parses the rpc-error for a missing datastore', async () => {
    const session = await connect();
    // netconfd runs with --target=running, so it has no candidate datastore.
    assert.ok(!session.serverCapabilities.includes(CANDIDATE_1_0));

    const reply = await session.rpc('<get-config><source><candidate/></source></get-config>');

    assert.equal(reply.ok, false);
    assert.equal(reply.errors.length, 1);
    const [error] = reply.errors;
    assert.equal(error?.errorType, 'protocol');
    assert.equal(error?.errorTag, 'invalid-value');
    assert.equal(error?.errorSeverity, 'error');
    assert.equal(error?.errorPath, '/nc:rpc/nc:get-config/nc:source');
    assert.equal(error?.errorMessage, 'config not found');
    assert.match(error?.errorInfo ?? '', /candidate/);
    // The session stays usable after an rpc-error.
    assert.equal((await session.rpc('<get-config><source><running/></source></get-config>')).ok, true);
    await session.close();
  });

  it('receives config change from another session', async () => {
    const subscriber = await connect();
    const editor = await connect();
    const subscribed = await subscriber.createSubscription({ stream: 'NETCONF' });
    assert.equal(subscribed.ok, true, subscribed.xml);
    assert.ok(firstChild(subscribed.root, 'ok', 'urn:ietf:params:xml:ns:netconf:base:1.0') !== undefined, subscribed.xml);

    const configChange = waitForNotification(
      subscriber,
      (notification) => notification.root !== undefined && firstChild(notification.root, 'netconf-config-change', NETCONF_NOTIFICATIONS_NAMESPACE) !== undefined,
      10_000,
    );
    // A new group name makes every run a real change; netconfd sends no notification otherwise.
    const groupName = `esc-bridge-test-${randomBytes(4).toString('hex')}`;
    const edit = await editor.rpc(
      '<edit-config><target><running/></target><config>' +
        `<nacm xmlns="${NACM_NAMESPACE}"><groups><group><name>${groupName}</name><user-name>nobody</user-name></group></groups></nacm>` +
        '</config></edit-config>',
    );
    assert.equal(edit.ok, true, edit.xml);

    const notification = await configChange;
    assert.match(notification.eventTime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    const change = descend(notification.root, ['netconf-config-change'], NETCONF_NOTIFICATIONS_NAMESPACE);
    assert.equal(descend(change, ['changed-by', 'username'], NETCONF_NOTIFICATIONS_NAMESPACE).text.trim(), peer.user);
    assert.equal(descend(change, ['changed-by', 'session-id'], NETCONF_NOTIFICATIONS_NAMESPACE).text.trim(), editor.sessionId);
    assert.equal(descend(change, ['edit', 'operation'], NETCONF_NOTIFICATIONS_NAMESPACE).text.trim(), 'merge');
    assert.match(descend(change, ['edit', 'target'], NETCONF_NOTIFICATIONS_NAMESPACE).text, /nacm:nacm\/nacm:groups/);
    await Promise.all([editor.close(), subscriber.close()]);
  });

  it('returns an rpc-error for stream escEvent', async () => {
    const session = await connect();

    const reply = await session.createSubscription({ stream: 'escEvent' });

    assert.equal(reply.ok, false);
    assert.equal(reply.errors.length, 1);
    const [error] = reply.errors;
    assert.equal(error?.errorType, 'protocol');
    assert.equal(error?.errorTag, 'operation-failed');
    assert.equal(error?.errorSeverity, 'error');
    assert.equal(error?.errorMessage, 'not found');
    assert.match(error?.errorInfo ?? '', /escEvent/);
    await session.close();
  });

  it('rejects a wrong host key fingerprint', async () => {
    const wrongFingerprint = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;

    await assert.rejects(connect({ hostKey: { kind: 'fingerprint', sha256: wrongFingerprint } }), (error: unknown) => {
      assert.ok(error instanceof NetconfHostKeyError, `expected NetconfHostKeyError, got ${String(error)}`);
      assert.ok(error.message.includes(peer.hostKeyFingerprint), error.message);
      return true;
    });
  });

  it('rejects a wrong password', async () => {
    await assert.rejects(connect({ password: 'not-the-password' }), (error: unknown) => {
      assert.ok(error instanceof NetconfAuthError, `expected NetconfAuthError, got ${String(error)}`);
      assert.match(error.message, new RegExp(`"${peer.user}"`));
      return true;
    });
  });
});
