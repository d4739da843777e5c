import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { BridgeError } from './errors.js';

/**
 * One configuration setting: its environment variable, default and meaning.
 * The README's settings table lists the same entries.
 */
export interface SettingSpec {
  env: string;
  default?: string;
  description: string;
}

/** Every setting the bridge reads, in the order the README lists them. */
export const SETTINGS: readonly SettingSpec[] = [
  { env: 'ESC_HOST', description: 'ESC NETCONF host name or address (required for listen and work)' },
  { env: 'ESC_PORT', default: '830', description: 'ESC NETCONF/SSH port' },
  { env: 'ESC_USERNAME', default: 'admin', description: 'SSH user name' },
  { env: 'ESC_PASSWORD', description: 'SSH password (or use ESC_PRIVATE_KEY_FILE)' },
  { env: 'ESC_PRIVATE_KEY_FILE', description: 'path of an OpenSSH or PEM private key for SSH login' },
  { env: 'ESC_PRIVATE_KEY_PASSPHRASE', description: 'passphrase of that key' },
  { env: 'ESC_HOST_KEY_SHA256', description: "pinned SHA-256 fingerprint of ESC's SSH host key, as `ssh-keygen -lf` prints it (SHA256:...)" },
  { env: 'ESC_KNOWN_HOSTS_FILE', description: 'OpenSSH known_hosts file holding ESC\'s host key (used when no fingerprint is pinned)' },
  { env: 'ESC_INSECURE_ACCEPT_ANY_HOST_KEY', default: 'false', description: 'accept any host key; allowed only for a loopback ESC_HOST (the local simulator) and logged at warn' },
  { env: 'ESC_CONNECT_TIMEOUT_MS', default: '10000', description: 'TCP + SSH handshake timeout, in ms' },
  { env: 'ESC_HELLO_TIMEOUT_MS', default: '10000', description: 'time to wait for the NETCONF <hello>, in ms' },
  { env: 'ESC_RPC_TIMEOUT_MS', default: '30000', description: 'time to wait for each rpc-reply, in ms' },
  { env: 'ESC_KEEPALIVE_INTERVAL_MS', default: '15000', description: 'SSH keepalive interval, in ms (0 disables)' },
  { env: 'ESC_NETCONF_BASE', default: '1.0,1.1', description: 'NETCONF base versions offered in the hello: `1.0,1.1`, `1.0` (forces end-of-message framing) or `1.1`' },
  { env: 'ESC_STREAM', default: 'escEvent', description: 'NETCONF notification stream the listener subscribes to' },
  { env: 'ESC_VMACTION_FORM', default: 'editconfig', description: 'vmAction request form: `editconfig` (ESC 1.x-2.x) or `rpc` (plain RPC, later releases)' },
  { env: 'ESC_MAX_MESSAGE_BYTES', default: '16777216', description: 'largest NETCONF message accepted, in bytes' },
  { env: 'KAFKA_BROKERS', default: '127.0.0.1:9092', description: 'comma-separated Kafka bootstrap servers' },
  { env: 'KAFKA_CLIENT_ID', default: 'esc-bridge', description: 'Kafka client id' },
  { env: 'KAFKA_SSL', default: 'false', description: 'connect to Kafka with TLS' },
  { env: 'KAFKA_SSL_CA_FILE', description: 'PEM file of the CA certificates that sign the brokers\' certificates (default: the system CAs)' },
  { env: 'KAFKA_SSL_CERT_FILE', description: 'PEM client certificate, for brokers that require TLS client authentication' },
  { env: 'KAFKA_SSL_KEY_FILE', description: 'PEM private key of that client certificate' },
  { env: 'KAFKA_SASL_MECHANISM', default: 'none', description: 'SASL mechanism: none, plain, scram-sha-256 or scram-sha-512' },
  { env: 'KAFKA_SASL_USERNAME', description: 'SASL user name' },
  { env: 'KAFKA_SASL_PASSWORD', description: 'SASL password' },
  { env: 'KAFKA_TOPIC_EVENTS', default: 'esc.events', description: 'topic of EscEvent records' },
  { env: 'KAFKA_TOPIC_COMMANDS', default: 'esc.commands', description: 'topic of VmActionCommand records' },
  { env: 'KAFKA_TOPIC_RESULTS', default: 'esc.command-results', description: 'topic of VmActionResult records' },
  { env: 'KAFKA_TOPIC_DEAD_LETTER', default: 'esc.dead-letter', description: 'topic of records that could not be parsed or decoded' },
  { env: 'KAFKA_GROUP_ID', default: 'esc-bridge-workers', description: 'consumer group of the command workers' },
  { env: 'KAFKA_CREATE_TOPICS', default: 'true', description: 'create missing topics at start-up' },
  { env: 'KAFKA_TOPIC_PARTITIONS', default: '3', description: 'partition count of topics the bridge creates' },
  { env: 'KAFKA_TOPIC_REPLICATION_FACTOR', default: '1', description: 'replication factor of topics the bridge creates (use 3 in production)' },
  { env: 'ESC_RECONNECT_MIN_MS', default: '1000', description: 'first delay before reconnecting to ESC (listener and worker), in ms' },
  { env: 'ESC_RECONNECT_MAX_MS', default: '60000', description: 'largest delay between reconnect attempts to ESC, in ms' },
  {
    env: 'LISTENER_MAX_PENDING',
    default: '20000',
    description: 'the listener stops reading from ESC when this many notifications (records) wait for Kafka, and resumes at half',
  },
  { env: 'WORKER_ID', description: 'name of this worker in results (default: host name and pid)' },
  { env: 'COMMAND_DEDUPE_SIZE', default: '10000', description: 'number of recent command ids a worker remembers to run each at most once' },
  { env: 'LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace or silent' },
];

export type HostKeyConfig =
  | { kind: 'fingerprint'; sha256: string }
  | { kind: 'known-hosts'; path: string }
  | { kind: 'insecure-accept-any' };

export interface EscConfig {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: Buffer;
  passphrase?: string;
  /** Host key check for ESC; undefined when the command does not talk to ESC. */
  hostKey?: HostKeyConfig;
  connectTimeoutMs: number;
  helloTimeoutMs: number;
  rpcTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** NETCONF base versions offered in the hello. */
  baseVersions: ('1.0' | '1.1')[];
  stream: string;
  vmActionForm: 'editconfig' | 'rpc';
  maxMessageBytes: number;
  /** First delay before reconnecting, in ms; doubles per attempt up to `reconnectMaxMs`. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** TLS settings of the Kafka connection; PEM texts read from the configured files. */
export interface KafkaTlsConfig {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface KafkaSaslConfig {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** TLS settings, or undefined for a plaintext connection. */
  tls?: KafkaTlsConfig;
  /** SASL credentials, or undefined for none. */
  sasl?: KafkaSaslConfig;
  topics: { events: string; commands: string; results: string; deadLetter: string };
  groupId: string;
  createTopics: boolean;
  topicPartitions: number;
  topicReplicationFactor: number;
}

/** Settings of the listener alone. */
export interface ListenerConfig {
  /**
   * Records waiting for Kafka at which the listener pauses its ESC session, so TCP and SSH flow
   * control slow ESC down. Reading resumes when `floor(maxPending / 2)` or fewer wait.
   * @default 20000
   */
  maxPending: number;
}

export interface BridgeConfig {
  esc: EscConfig;
  kafka: KafkaConfig;
  listener: ListenerConfig;
  worker: { workerId: string; dedupeSize: number };
  logLevel: string;
}

/** Lists every invalid or missing setting at once. */
export class ConfigError extends BridgeError {
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { retriable: false });
    this.problems = problems;
  }
}

const integer = (min: number) => z.coerce.number().int().min(min);
const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => ['true', '1', 'yes'].includes(value));

const envSchema = z.object({
  ESC_HOST: z.string().min(1).optional(),
  ESC_PORT: integer(1).max(65535),
  ESC_USERNAME: z.string().min(1),
  ESC_PASSWORD: z.string().optional(),
  ESC_PRIVATE_KEY_FILE: z.string().optional(),
  ESC_PRIVATE_KEY_PASSPHRASE: z.string().optional(),
  ESC_HOST_KEY_SHA256: z.string().optional(),
  ESC_KNOWN_HOSTS_FILE: z.string().optional(),
  ESC_INSECURE_ACCEPT_ANY_HOST_KEY: flag,
  ESC_CONNECT_TIMEOUT_MS: integer(1),
  ESC_HELLO_TIMEOUT_MS: integer(1),
  ESC_RPC_TIMEOUT_MS: integer(1),
  ESC_KEEPALIVE_INTERVAL_MS: integer(0),
  ESC_NETCONF_BASE: z.enum(['1.0,1.1', '1.1,1.0', '1.0', '1.1']),
  ESC_STREAM: z.string().min(1),
  ESC_VMACTION_FORM: z.enum(['editconfig', 'rpc']),
  ESC_MAX_MESSAGE_BYTES: integer(1024),
  KAFKA_BROKERS: z.string().min(1),
  KAFKA_CLIENT_ID: z.string().min(1),
  KAFKA_SSL: flag,
  KAFKA_SSL_CA_FILE: z.string().optional(),
  KAFKA_SSL_CERT_FILE: z.string().optional(),
  KAFKA_SSL_KEY_FILE: z.string().optional(),
  KAFKA_SASL_MECHANISM: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_TOPIC_EVENTS: z.string().min(1),
  KAFKA_TOPIC_COMMANDS: z.string().min(1),
  KAFKA_TOPIC_RESULTS: z.string().min(1),
  KAFKA_TOPIC_DEAD_LETTER: z.string().min(1),
  KAFKA_GROUP_ID: z.string().min(1),
  KAFKA_CREATE_TOPICS: flag,
  KAFKA_TOPIC_PARTITIONS: integer(1),
  KAFKA_TOPIC_REPLICATION_FACTOR: integer(1),
  ESC_RECONNECT_MIN_MS: integer(1),
  ESC_RECONNECT_MAX_MS: integer(1),
  LISTENER_MAX_PENDING: integer(1),
  WORKER_ID: z.string().min(1).optional(),
  COMMAND_DEDUPE_SIZE: integer(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** True when the command talks to ESC, so ESC_HOST and credentials are required. */
  needsEsc: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Reads the configuration from environment variables (flags are merged into `env` by
 * the CLI first), applies defaults, and checks every value. All problems are reported
 * together in one ConfigError. The returned object is frozen.
 */
export function loadConfig(env: Environment, options: LoadConfigOptions): BridgeConfig {
  const withDefaults: Record<string, string | undefined> = {};
  for (const setting of SETTINGS) {
    const value = env[setting.env];
    withDefaults[setting.env] = value === undefined || value === '' ? setting.default : value;
  }

  const problems: string[] = [];
  const parsed = envSchema.safeParse(withDefaults);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      problems.push(`${name}=${JSON.stringify(withDefaults[name] ?? '')} is invalid: ${describeIssue(issue)}`);
    }
  }
  const brokers = parseBrokers(withDefaults.KAFKA_BROKERS ?? '', problems);
  if (!parsed.success) {
    throw new ConfigError(problems);
  }
  const values = parsed.data;

  let privateKey: Buffer | undefined;
  if (values.ESC_PRIVATE_KEY_FILE) {
    try {
      privateKey = readFileSync(values.ESC_PRIVATE_KEY_FILE);
    } catch (error) {
      problems.push(`ESC_PRIVATE_KEY_FILE=${values.ESC_PRIVATE_KEY_FILE}: cannot be read (${(error as Error).message})`);
    }
  }

  let hostKey: HostKeyConfig | undefined;
  if (options.needsEsc) {
    if (!values.ESC_HOST) {
      problems.push('ESC_HOST is missing: set it to the ESC NETCONF host (for the local simulator, 127.0.0.1)');
    }
    if (!values.ESC_PASSWORD && !values.ESC_PRIVATE_KEY_FILE) {
      problems.push('ESC_PASSWORD or ESC_PRIVATE_KEY_FILE is missing: set one of them for SSH login');
    }
    hostKey = chooseHostKey(values, problems);
  }
  const tls = kafkaTls(values, problems);
  const sasl = kafkaSasl(values, problems);
  if (values.ESC_RECONNECT_MAX_MS < values.ESC_RECONNECT_MIN_MS) {
    problems.push(
      `ESC_RECONNECT_MAX_MS=${values.ESC_RECONNECT_MAX_MS} is below ESC_RECONNECT_MIN_MS=${values.ESC_RECONNECT_MIN_MS}: raise the maximum or lower the minimum`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  const config: BridgeConfig = {
    esc: {
      host: values.ESC_HOST ?? '',
      port: values.ESC_PORT,
      username: values.ESC_USERNAME,
      password: values.ESC_PASSWORD,
      privateKey,
      passphrase: values.ESC_PRIVATE_KEY_PASSPHRASE,
      hostKey,
      connectTimeoutMs: values.ESC_CONNECT_TIMEOUT_MS,
      helloTimeoutMs: values.ESC_HELLO_TIMEOUT_MS,
      rpcTimeoutMs: values.ESC_RPC_TIMEOUT_MS,
      keepaliveIntervalMs: values.ESC_KEEPALIVE_INTERVAL_MS,
      baseVersions: values.ESC_NETCONF_BASE.split(',') as ('1.0' | '1.1')[],
      stream: values.ESC_STREAM,
      vmActionForm: values.ESC_VMACTION_FORM,
      maxMessageBytes: values.ESC_MAX_MESSAGE_BYTES,
      reconnectMinMs: values.ESC_RECONNECT_MIN_MS,
      reconnectMaxMs: values.ESC_RECONNECT_MAX_MS,
    },
    kafka: {
      brokers,
      clientId: values.KAFKA_CLIENT_ID,
      tls,
      sasl,
      topics: {
        events: values.KAFKA_TOPIC_EVENTS,
        commands: values.KAFKA_TOPIC_COMMANDS,
        results: values.KAFKA_TOPIC_RESULTS,
        deadLetter: values.KAFKA_TOPIC_DEAD_LETTER,
      },
      groupId: values.KAFKA_GROUP_ID,
      createTopics: values.KAFKA_CREATE_TOPICS,
      topicPartitions: values.KAFKA_TOPIC_PARTITIONS,
      topicReplicationFactor: values.KAFKA_TOPIC_REPLICATION_FACTOR,
    },
    listener: { maxPending: values.LISTENER_MAX_PENDING },
    worker: { workerId: values.WORKER_ID ?? `${os.hostname()}-${process.pid}`, dedupeSize: values.COMMAND_DEDUPE_SIZE },
    logLevel: values.LOG_LEVEL,
  };
  return deepFreeze(config);
}

// The forms `ssh-keygen -lf` prints (SHA256: and 43 base64 characters) or 64 hex digits, colons allowed.
const SHA256_FINGERPRINT = /^(?:(?:SHA256:)?[A-Za-z0-9+/]{43}=?|(?:[0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2})$/i;

function chooseHostKey(values: z.infer<typeof envSchema>, problems: string[]): HostKeyConfig | undefined {
  if (values.ESC_HOST_KEY_SHA256) {
    if (!SHA256_FINGERPRINT.test(values.ESC_HOST_KEY_SHA256.trim())) {
      problems.push(
        `ESC_HOST_KEY_SHA256=${JSON.stringify(values.ESC_HOST_KEY_SHA256)} is not a SHA-256 fingerprint: expected "SHA256:" and 43 base64 characters, as \`ssh-keygen -lf\` prints it`,
      );
      return undefined;
    }
    return { kind: 'fingerprint', sha256: values.ESC_HOST_KEY_SHA256.trim() };
  }
  if (values.ESC_KNOWN_HOSTS_FILE) {
    if (!existsSync(values.ESC_KNOWN_HOSTS_FILE)) {
      problems.push(`ESC_KNOWN_HOSTS_FILE=${values.ESC_KNOWN_HOSTS_FILE}: file not found`);
      return undefined;
    }
    return { kind: 'known-hosts', path: values.ESC_KNOWN_HOSTS_FILE };
  }
  if (values.ESC_INSECURE_ACCEPT_ANY_HOST_KEY) {
    if (values.ESC_HOST && !LOOPBACK_HOSTS.has(values.ESC_HOST)) {
      problems.push(
        `ESC_INSECURE_ACCEPT_ANY_HOST_KEY=true is allowed only for a loopback ESC_HOST, not ${values.ESC_HOST}: pin ESC_HOST_KEY_SHA256 or set ESC_KNOWN_HOSTS_FILE`,
      );
      return undefined;
    }
    return { kind: 'insecure-accept-any' };
  }
  problems.push(
    'ESC host key is not pinned: set ESC_HOST_KEY_SHA256 (run `ssh-keyscan -p PORT HOST | ssh-keygen -lf -`) or ESC_KNOWN_HOSTS_FILE',
  );
  return undefined;
}

function readTextFile(name: string, file: string, problems: string[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${name}=${file}: cannot be read (${(error as Error).message})`);
    return undefined;
  }
}

function kafkaTls(values: z.infer<typeof envSchema>, problems: string[]): KafkaTlsConfig | undefined {
  const files = { KAFKA_SSL_CA_FILE: values.KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE: values.KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE: values.KAFKA_SSL_KEY_FILE };
  if (!values.KAFKA_SSL) {
    for (const [name, file] of Object.entries(files)) {
      if (file) {
        problems.push(`${name} is set but KAFKA_SSL is false: set KAFKA_SSL=true to use TLS, or unset ${name}`);
      }
    }
    return undefined;
  }
  if (Boolean(values.KAFKA_SSL_CERT_FILE) !== Boolean(values.KAFKA_SSL_KEY_FILE)) {
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together for TLS client authentication');
  }
  const tls: KafkaTlsConfig = {};
  if (values.KAFKA_SSL_CA_FILE) {
    tls.ca = readTextFile('KAFKA_SSL_CA_FILE', values.KAFKA_SSL_CA_FILE, problems);
  }
  if (values.KAFKA_SSL_CERT_FILE) {
    tls.cert = readTextFile('KAFKA_SSL_CERT_FILE', values.KAFKA_SSL_CERT_FILE, problems);
  }
  if (values.KAFKA_SSL_KEY_FILE) {
    tls.key = readTextFile('KAFKA_SSL_KEY_FILE', values.KAFKA_SSL_KEY_FILE, problems);
  }
  return tls;
}

function kafkaSasl(values: z.infer<typeof envSchema>, problems: string[]): KafkaSaslConfig | undefined {
  if (values.KAFKA_SASL_MECHANISM === 'none') {
    return undefined;
  }
  if (!values.KAFKA_SASL_USERNAME || !values.KAFKA_SASL_PASSWORD) {
    problems.push(`KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM=${values.KAFKA_SASL_MECHANISM}`);
    return undefined;
  }
  return { mechanism: values.KAFKA_SASL_MECHANISM, username: values.KAFKA_SASL_USERNAME, password: values.KAFKA_SASL_PASSWORD };
}

function parseBrokers(value: string, problems: string[]): string[] {
  const brokers = value.split(',').map((broker) => broker.trim()).filter(Boolean);
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      problems.push(`KAFKA_BROKERS entry ${JSON.stringify(broker)} is not host:port, for example 127.0.0.1:9092`);
    }
  }
  return brokers;
}

/** Turns a zod issue into a short phrase naming what is expected. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') {
    return `expected one of ${issue.values.map((value) => String(value)).join(', ')}`;
  }
  if (issue.code === 'too_small') {
    return `expected at least ${String(issue.minimum)}`;
  }
  if (issue.code === 'too_big') {
    return `expected at most ${String(issue.maximum)}`;
  }
  if (issue.code === 'invalid_type') {
    return `expected ${issue.expected === 'number' ? 'a number' : issue.expected}`;
  }
  return issue.message;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value as Record<string, unknown>)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}
