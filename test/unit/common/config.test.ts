import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../functions/common/config.js';

const FINGERPRINT = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
const ESC_ENV = { ESC_HOST: 'esc.example.net', ESC_PASSWORD: 'secret', ESC_HOST_KEY_SHA256: FINGERPRINT };

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(ESC_ENV, { needsEsc: true });
    assert.equal(config.esc.port, 830);
    assert.equal(config.esc.stream, 'escEvent');
    assert.equal(config.esc.vmActionForm, 'editconfig');
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(config.kafka.topics.events, 'esc.events');
    assert.equal(config.kafka.topics.deadLetter, 'esc.dead-letter');
    assert.deepEqual(config.esc.hostKey, { kind: 'fingerprint', sha256: FINGERPRINT });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ ESC_PORT: 'eighty', KAFKA_BROKERS: 'a:1', ESC_VMACTION_FORM: 'soap', LOG_LEVEL: 'loud' }, { needsEsc: true }),
    );
    assert.ok(problems.some((problem) => problem.startsWith('ESC_PORT="eighty"')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith('ESC_VMACTION_FORM="soap"')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith('LOG_LEVEL="loud"')), problems.join('\n'));
  });

  it('requires host, credentials and a pinned host key for ESC commands', () => {
    const problems = problemsOf(() => loadConfig({}, { needsEsc: true }));
    assert.ok(problems.some((problem) => problem.includes('ESC_HOST is missing')));
    assert.ok(problems.some((problem) => problem.includes('ESC_PASSWORD or ESC_PRIVATE_KEY_FILE')));
    assert.ok(problems.some((problem) => problem.includes('ESC_HOST_KEY_SHA256')));
  });

  it('does not require ESC settings for Kafka-only commands', () => {
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093' }, { needsEsc: false });
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092', '127.0.0.1:19093']);
  });

  it('allows accepting any host key only for a loopback ESC', () => {
    const loopback = loadConfig({ ESC_HOST: '127.0.0.1', ESC_PASSWORD: 'x', ESC_INSECURE_ACCEPT_ANY_HOST_KEY: 'true' }, { needsEsc: true });
    assert.deepEqual(loopback.esc.hostKey, { kind: 'insecure-accept-any' });
    const problems = problemsOf(() =>
      loadConfig({ ESC_HOST: '10.1.2.3', ESC_PASSWORD: 'x', ESC_INSECURE_ACCEPT_ANY_HOST_KEY: 'true' }, { needsEsc: true }),
    );
    assert.ok(problems.some((problem) => problem.includes('only for a loopback ESC_HOST, not 10.1.2.3')), problems.join('\n'));
  });

  it('rejects a broker list entry without a port', () => {
    const problems = problemsOf(() => loadConfig({ KAFKA_BROKERS: 'kafka-1' }, { needsEsc: false }));
    assert.ok(problems.some((problem) => problem.includes('"kafka-1" is not host:port')), problems.join('\n'));
  });

  it('rejects a malformed host key fingerprint', () => {
    const problems = problemsOf(() => loadConfig({ ...ESC_ENV, ESC_HOST_KEY_SHA256: 'SHA256:abc' }, { needsEsc: true }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^ESC_HOST_KEY_SHA256="SHA256:abc" is not a SHA-256 fingerprint/);
  });

  it('accepts a fingerprint as 64 hex digits', () => {
    const hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const config = loadConfig({ ...ESC_ENV, ESC_HOST_KEY_SHA256: hex }, { needsEsc: true });
    assert.deepEqual(config.esc.hostKey, { kind: 'fingerprint', sha256: hex });
  });

  it('rejects a known_hosts file that does not exist', () => {
    const env = { ESC_HOST: 'esc.example.net', ESC_PASSWORD: 'secret', ESC_KNOWN_HOSTS_FILE: '/nonexistent/known_hosts' };
    const problems = problemsOf(() => loadConfig(env, { needsEsc: true }));
    assert.deepEqual(problems, ['ESC_KNOWN_HOSTS_FILE=/nonexistent/known_hosts: file not found']);
  });

  it('reports broker problems together with format problems', () => {
    const problems = problemsOf(() => loadConfig({ LOG_LEVEL: 'loud', KAFKA_BROKERS: 'kafka-1' }, { needsEsc: false }));
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^LOG_LEVEL="loud" is invalid: expected one of fatal, error/);
    assert.match(problems[1]!, /^KAFKA_BROKERS entry "kafka-1" is not host:port/);
  });

  it('reads TLS files and SASL credentials for Kafka', () => {
    const config = loadConfig(
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/etc/hostname', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      { needsEsc: false },
    );
    assert.equal(typeof config.kafka.tls?.ca, 'string');
    assert.deepEqual(config.kafka.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  });

  it('leaves TLS and SASL off by default', () => {
    const config = loadConfig({}, { needsEsc: false });
    assert.equal(config.kafka.tls, undefined);
    assert.equal(config.kafka.sasl, undefined);
  });

  it('rejects incomplete Kafka security settings', () => {
    const missingCredentials = problemsOf(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain' }, { needsEsc: false }));
    assert.deepEqual(missingCredentials, ['KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM=plain']);
    const caWithoutTls = problemsOf(() => loadConfig({ KAFKA_SSL_CA_FILE: '/etc/hostname' }, { needsEsc: false }));
    assert.match(caWithoutTls[0]!, /KAFKA_SSL_CA_FILE is set but KAFKA_SSL is false/);
    const certWithoutKey = problemsOf(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/etc/hostname' }, { needsEsc: false }));
    assert.match(certWithoutKey[0]!, /KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together/);
    const unreadable = problemsOf(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, { needsEsc: false }));
    assert.match(unreadable[0]!, /^KAFKA_SSL_CA_FILE=\/nonexistent\/ca\.pem: cannot be read/);
  });

  it('reads the offered NETCONF base versions', () => {
    assert.deepEqual(loadConfig(ESC_ENV, { needsEsc: true }).esc.baseVersions, ['1.0', '1.1']);
    assert.deepEqual(loadConfig({ ...ESC_ENV, ESC_NETCONF_BASE: '1.0' }, { needsEsc: true }).esc.baseVersions, ['1.0']);
    const problems = problemsOf(() => loadConfig({ ...ESC_ENV, ESC_NETCONF_BASE: '2.0' }, { needsEsc: true }));
    assert.match(problems[0]!, /^ESC_NETCONF_BASE="2.0" is invalid: expected one of 1.0,1.1/);
  });

  it('returns a frozen object', () => {
    const config = loadConfig(ESC_ENV, { needsEsc: true });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.kafka.topics));
  });
});
