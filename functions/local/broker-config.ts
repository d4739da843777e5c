import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalKafkaError } from './errors.js';

/** The TLS + SASL/PLAIN listener of a local broker. */
export interface SecureListenerProperties {
  port: number;
  pemFile: string;
  username: string;
  password: string;
}

export function serverProperties(options: { port: number; controllerPort: number; dataDir: string; secure?: SecureListenerProperties }): string {
  const { secure } = options;
  const listeners = [`PLAINTEXT://127.0.0.1:${options.port}`, `CONTROLLER://127.0.0.1:${options.controllerPort}`];
  const advertised = [`PLAINTEXT://127.0.0.1:${options.port}`];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  const secureLines: string[] = [];
  if (secure) {
    listeners.push(`SECURE://127.0.0.1:${secure.port}`);
    advertised.push(`SECURE://127.0.0.1:${secure.port}`);
    protocols.push('SECURE:SASL_SSL');
    secureLines.push(
      'sasl.enabled.mechanisms=PLAIN',
      'listener.name.secure.ssl.keystore.type=PEM',
      `listener.name.secure.ssl.keystore.location=${secure.pemFile}`,
      `listener.name.secure.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${secure.username}="${secure.password}";`,
    );
  }
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${options.controllerPort}`,
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=${advertised.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${protocols.join(',')}`,
    ...secureLines,
    `log.dirs=${options.dataDir}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Consumers of the local stack join at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/**
 * Creates a self-signed RSA certificate for 127.0.0.1 in `<stateDir>/tls`. Returns the
 * broker's PEM key store (private key and certificate in one file); `certificate.pem`
 * beside it is what clients trust.
 */
export function makeSelfSignedCertificate(stateDir: string): string {
  const directory = path.join(stateDir, 'tls');
  mkdirSync(directory, { recursive: true });
  const keyFile = path.join(directory, 'key.pem');
  const certificateFile = path.join(directory, 'certificate.pem');
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certificateFile],
    { encoding: 'utf8' },
  );
  if (result.error || result.status !== 0) {
    throw new LocalKafkaError(`openssl could not create the secure listener's certificate: ${result.error?.message ?? result.stderr}`);
  }
  // Kafka's PEM key store wants a PKCS#8 key, which `openssl req -nodes` writes.
  const pemFile = path.join(directory, 'broker.pem');
  writeFileSync(pemFile, readFileSync(keyFile, 'utf8') + readFileSync(certificateFile, 'utf8'));
  return pemFile;
}
