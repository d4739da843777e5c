import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { packageRoot } from '../common/package-root.js';
import { LocalKafkaError } from './errors.js';
import { makeSelfSignedCertificate, serverProperties, type SecureListenerProperties } from './broker-config.js';

export { LocalKafkaError };

export interface LocalBrokerInfo {
  /** `host:port` to give Kafka clients. */
  bootstrap: string;
  /** `host:port` of the TLS + SASL/PLAIN listener, when one was requested. */
  secureBootstrap?: string;
  /** PEM file of the self-signed certificate the secure listener presents (its own CA). */
  secureCaFile?: string;
  pid: number;
  stateDir: string;
  kafkaVersion: string;
  startedAt: string;
}

export interface StartBrokerOptions {
  /** Directory for the broker's data, config, log and pid file; wiped on stop. */
  stateDir: string;
  /** Client port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Java heap for the broker, in MiB. @default 512 */
  heapMb?: number;
  /** Time to wait for the broker to accept connections, in ms. @default 90000 */
  readyTimeoutMs?: number;
  /** Directory holding the resolved jars, shared between state dirs. @default <package>/.local/kafka-lib */
  libDir?: string;
  /** Progress lines for a person watching (resolving jars, starting, ready). */
  onProgress?: (message: string) => void;
  /**
   * Adds a second listener that requires TLS and SASL/PLAIN with these credentials, using
   * a self-signed certificate for 127.0.0.1 made with `openssl`. For testing clients with
   * security settings. @default none
   */
  secureListener?: { username: string; password: string };
}

const POM_DIRECTORY = path.join(packageRoot, 'infra', 'local', 'kafka');
const INFO_FILE = 'broker.json';

/** Default directory of the broker jars resolved by Maven. */
export function defaultLibDir(): string {
  return path.join(packageRoot, '.local', 'kafka-lib');
}

/** Returns the Kafka version pinned in the local stack's pom. */
export function pinnedKafkaVersion(): string {
  const pom = readFileSync(path.join(POM_DIRECTORY, 'pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match) {
    throw new LocalKafkaError(`no <kafka.version> property found in ${path.join(POM_DIRECTORY, 'pom.xml')}`);
  }
  return match[1]!;
}

/**
 * Resolves the broker jars with Maven into `libDir`, unless a previous run already did
 * for the same pom (a stamp file contains the pom's SHA-256).
 */
export function resolveKafkaJars(libDir: string, onProgress: (message: string) => void = () => {}): void {
  const pomPath = path.join(POM_DIRECTORY, 'pom.xml');
  const pomHash = createHash('sha256').update(readFileSync(pomPath)).digest('hex');
  const stampPath = path.join(libDir, '.pom-sha256');
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === pomHash) {
    return;
  }

  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error || mvn.status !== 0) {
    throw new LocalKafkaError('Maven (`mvn`) was not found on PATH; install Maven 3 and Java 17, then run this again');
  }
  onProgress(`Resolving Apache Kafka ${pinnedKafkaVersion()} jars with Maven into ${libDir} (first run downloads about 50 MB)`);
  rmSync(libDir, { recursive: true, force: true });
  mkdirSync(libDir, { recursive: true });
  const result = spawnSync(
    'mvn',
    ['-q', '-B', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new LocalKafkaError(`Maven failed to resolve the Kafka jars (exit ${result.status}):\n${output}`);
  }
  writeFileSync(stampPath, `${pomHash}\n`);
  onProgress(`Resolved ${readdirSync(libDir).filter((name) => name.endsWith('.jar')).length} jars`);
}

/** Tells whether a TCP port on 127.0.0.1 can be bound now. */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0 and releasing it. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Reads the info file of a broker started in `stateDir`, or undefined when none is recorded. */
export function readBrokerInfo(stateDir: string): LocalBrokerInfo | undefined {
  const infoPath = path.join(stateDir, INFO_FILE);
  if (!existsSync(infoPath)) {
    return undefined;
  }
  return JSON.parse(readFileSync(infoPath, 'utf8')) as LocalBrokerInfo;
}

/** True when `pid` is alive and is the broker started for `stateDir` (checked via /proc). */
export function isOwnBroker(pid: number, stateDir: string): boolean {
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return commandLine.includes('kafka.Kafka') && commandLine.some((arg) => arg.startsWith(path.resolve(stateDir)));
  } catch {
    return false;
  }
}

/**
 * Starts a single-node KRaft broker on 127.0.0.1 with the machine's Java and waits until
 * it accepts connections. The broker runs detached, so it outlives the calling process
 * until `stopLocalBroker` ends it. Reuses a broker already running for the same `stateDir`.
 */
export async function startLocalBroker(options: StartBrokerOptions): Promise<LocalBrokerInfo> {
  const onProgress = options.onProgress ?? (() => {});
  const stateDir = path.resolve(options.stateDir);
  const running = readBrokerInfo(stateDir);
  if (running && isOwnBroker(running.pid, stateDir)) {
    onProgress(`Kafka broker already running at ${running.bootstrap} (pid ${running.pid})`);
    return running;
  }

  const libDir = options.libDir ?? defaultLibDir();
  resolveKafkaJars(libDir, onProgress);

  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    throw new LocalKafkaError('Java (`java`) was not found on PATH; install a Java 17 runtime, then run this again');
  }

  rmSync(stateDir, { recursive: true, force: true });
  const dataDir = path.join(stateDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = options.port && options.port > 0 ? options.port : await findFreePort();
  if (!(await isPortFree(port))) {
    throw new LocalKafkaError(`port ${port} on 127.0.0.1 is already in use: stop what listens there, or pass another port (--port 0 picks a free one)`);
  }
  const controllerPort = await findFreePort();
  const propertiesPath = path.join(stateDir, 'server.properties');
  let secure: SecureListenerProperties | undefined;
  if (options.secureListener) {
    const pemFile = makeSelfSignedCertificate(stateDir);
    secure = { port: await findFreePort(), pemFile, ...options.secureListener };
  }
  writeFileSync(propertiesPath, serverProperties({ port, controllerPort, dataDir, secure }));

  const classpath = `${libDir}/*`;
  const clusterId = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' })
    .stdout.trim().split('\n').pop() ?? '';
  const format = spawnSync(
    'java',
    ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propertiesPath],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) {
    throw new LocalKafkaError(`formatting the broker storage failed (exit ${format.status}): ${format.stderr || format.stdout}`);
  }

  onProgress(`Starting Kafka ${pinnedKafkaVersion()} on 127.0.0.1:${port} (state in ${stateDir})`);
  const outputFd = openSync(path.join(stateDir, 'broker.out'), 'a');
  const child = spawn(
    'java',
    [
      `-Xms${options.heapMb ?? 512}m`,
      `-Xmx${options.heapMb ?? 512}m`,
      '-XX:+UseG1GC',
      `-Dkafka.logs.dir=${stateDir}`,
      `-Dlog4j2.configurationFile=${path.join(POM_DIRECTORY, 'log4j2.properties')}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propertiesPath,
    ],
    { detached: true, stdio: ['ignore', outputFd, outputFd] },
  );
  closeSync(outputFd);
  child.unref();
  if (child.pid === undefined) {
    throw new LocalKafkaError('the Java process for the broker could not be started');
  }

  const info: LocalBrokerInfo = {
    bootstrap: `127.0.0.1:${port}`,
    ...(secure ? { secureBootstrap: `127.0.0.1:${secure.port}`, secureCaFile: path.join(stateDir, 'tls', 'certificate.pem') } : {}),
    pid: child.pid,
    stateDir,
    kafkaVersion: pinnedKafkaVersion(),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(path.join(stateDir, INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);

  await waitForPort(port, child.pid, options.readyTimeoutMs ?? 90_000, stateDir);
  onProgress(`Kafka broker ready at ${info.bootstrap} (pid ${info.pid})`);
  return info;
}

async function waitForPort(port: number, pid: number, timeoutMs: number, stateDir: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOwnBroker(pid, stateDir)) {
      const tail = readTail(path.join(stateDir, 'broker.out')) || readTail(path.join(stateDir, 'broker.log'));
      throw new LocalKafkaError(`the Kafka broker exited during start-up; last output:\n${tail}`);
    }
    // Another process on the port would accept connections too, so the broker's own log
    // line is what proves that this broker is serving.
    if ((await canConnect(port)) && brokerLogReportsStarted(stateDir)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new LocalKafkaError(`the Kafka broker did not accept connections on port ${port} within ${timeoutMs} ms; see ${stateDir}/broker.log`);
}

function brokerLogReportsStarted(stateDir: string): boolean {
  try {
    return readFileSync(path.join(stateDir, 'broker.log'), 'utf8').includes('Kafka Server started');
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/**
 * Stops the broker recorded in `stateDir` (SIGTERM, then SIGKILL after `timeoutMs`) and
 * removes the state directory. Only a process whose command line shows it is this
 * state dir's broker is signalled. Returns false when no broker was running.
 */
export async function stopLocalBroker(stateDir: string, timeoutMs = 20_000): Promise<boolean> {
  const resolved = path.resolve(stateDir);
  const info = readBrokerInfo(resolved);
  let stopped = false;
  if (info && isOwnBroker(info.pid, resolved)) {
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isOwnBroker(info.pid, resolved) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (isOwnBroker(info.pid, resolved)) {
      process.kill(info.pid, 'SIGKILL');
    }
    stopped = true;
  }
  rmSync(resolved, { recursive: true, force: true });
  return stopped;
}
