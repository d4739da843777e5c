import { Kafka, logLevel, type LogEntry, type SASLOptions, type logCreator } from 'kafkajs';
import type { KafkaSaslConfig, KafkaTlsConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  /** TLS settings (PEM texts), or undefined for plaintext. */
  tls?: KafkaTlsConfig;
  /** SASL credentials, or undefined for none. */
  sasl?: KafkaSaslConfig;
  logger: Logger;
  /** Connection timeout per broker, in ms. @default 5000 */
  connectionTimeoutMs?: number;
  /**
   * Retries of a failed request before kafkajs gives up. Interactive commands use fewer
   * so an unreachable broker is reported in seconds, not minutes. @default 8
   */
  retries?: number;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The bridge's producers set a bounded retry count on purpose, so a send fails (and the
 * caller retries or reports it) instead of blocking forever while Kafka is away. kafkajs
 * warns about that on every idempotent producer. The trade-off: a send retried by the
 * caller may write a record twice, and consumers drop the duplicate by its id.
 */
const RETRIED_NAMESPACES = new Set(['Connection', 'BrokerPool']);

const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/**
 * Routes kafkajs log entries into the bridge's pino logger. kafkajs logs at INFO for
 * every group join and rebalance, which is lifecycle noise for the bridge, so INFO
 * entries go to debug. Its `Connection` and `BrokerPool` errors are failures the client
 * retries itself (a coordinator still loading, a refused connection), so they go to warn;
 * a final failure reaches the caller as an error.
 */
function pinoLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
    let pinoLevel = LEVEL_NAMES[level] ?? 'debug';
    if (level === logLevel.INFO || EXPECTED_WARNINGS.includes(message)) {
      pinoLevel = 'debug';
    } else if (level === logLevel.ERROR && RETRIED_NAMESPACES.has(namespace)) {
      pinoLevel = 'warn';
    }
    logger[pinoLevel]({ ...fields, kafkajs: namespace }, message);
  };
}

/** Creates a kafkajs client whose logs go to the given logger. */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 5000,
    ssl: options.tls ? { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key } : false,
    ...(options.sasl ? { sasl: saslOptions(options.sasl) } : {}),
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(options.logger.child({ component: 'kafkajs' })),
    retry: { initialRetryTime: 200, retries: options.retries ?? 8 },
  });
}

// NOTE: the tests exercise PLAIN over TLS against a real broker; SCRAM goes to kafkajs unchanged but is not tested here.
function saslOptions(sasl: KafkaSaslConfig): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}
