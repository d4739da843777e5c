import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import {
  checkHostKey,
  decodeSha256Fingerprint,
  knownHostsEntryMatches,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  sha256Fingerprint,
} from '../../../functions/netconf/host-key.js';
import { NetconfHostKeyError } from '../../../functions/netconf/errors.js';

const keyA = Buffer.from('key-blob-a');
const keyB = Buffer.from('key-blob-b');
const digestA = createHash('sha256').update(keyA).digest();

function hashedHost(name: string, salt = Buffer.from('0123456789abcdefghij')): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('decodeSha256Fingerprint', () => {
  it('accepts ssh-keygen, bare base64 and hex forms', () => {
    const base64 = digestA.toString('base64');

    assert.deepEqual(decodeSha256Fingerprint(`SHA256:${base64.replace(/=$/, '')}`), digestA);
    assert.deepEqual(decodeSha256Fingerprint(base64), digestA);
    assert.deepEqual(decodeSha256Fingerprint(digestA.toString('hex').toUpperCase()), digestA);
    assert.deepEqual(decodeSha256Fingerprint(digestA.toString('hex').match(/../g)!.join(':')), digestA);
  });

  it('rejects a fingerprint of the wrong length', () => {
    assert.throws(() => decodeSha256Fingerprint('SHA256:abc'), NetconfHostKeyError);
    assert.throws(() => decodeSha256Fingerprint('MD5:aa:bb'), /Invalid SHA-256 host key fingerprint/);
  });
});

describe('checkHostKey with a fingerprint', () => {
  it('accepts the pinned key', () => {
    assert.equal(checkHostKey({ policy: { kind: 'fingerprint', sha256: sha256Fingerprint(keyA) }, host: 'h', port: 830, keyBlob: keyA }), undefined);
  });

  it('rejects another key', () => {
    const error = checkHostKey({ policy: { kind: 'fingerprint', sha256: sha256Fingerprint(keyA) }, host: 'h', port: 830, keyBlob: keyB });

    assert.ok(error instanceof NetconfHostKeyError);
    assert.equal(error.retriable, false);
    assert.ok(error.message.includes(sha256Fingerprint(keyB)));
  });
});

describe('known_hosts', () => {
  const text = [
    '# comment',
    '',
    `plainhost ssh-ed25519 ${keyA.toString('base64')}`,
    `[porthost]:830,other ssh-ed25519 ${keyA.toString('base64')} comment here`,
    `porthost ssh-ed25519 ${keyB.toString('base64')}`,
    `${hashedHost('[hashed.example]:2830')} ecdsa-sha2-nistp256 ${keyB.toString('base64')}`,
    `multi ssh-rsa ${keyB.toString('base64')}`,
    `multi ssh-ed25519 ${keyA.toString('base64')}`,
    `*.wild.example,!bad.wild.example ssh-ed25519 ${keyA.toString('base64')}`,
    `@revoked revoked ssh-ed25519 ${keyA.toString('base64')}`,
    `revoked ssh-ed25519 ${keyA.toString('base64')}`,
    'garbage-line',
  ].join('\n');
  const entries = parseKnownHosts(text);
  const check = (host: string, port: number, keyBlob: Buffer) =>
    checkHostKey({ policy: { kind: 'known-hosts', path: '/tmp/known_hosts' }, host, port, keyBlob, knownHosts: entries });

  it('parses key lines and skips the rest', () => {
    assert.equal(entries.length, 9);
    assert.equal(entries[0]!.lineNumber, 3);
    assert.equal(entries[7]!.marker, '@revoked');
  });

  it('matches plain host on port 22 only', () => {
    assert.equal(check('plainhost', 22, keyA), undefined);
    assert.match(check('plainhost', 830, keyA)!.message, /No known_hosts entry for \[plainhost\]:830/);
  });

  it('matches a [host]:port entry', () => {
    assert.equal(check('porthost', 830, keyA), undefined);
    assert.match(check('porthost', 830, keyB)!.message, /matches none of the known_hosts entries .* \(lines 4\)/);
  });

  it('matches a hashed entry', () => {
    assert.equal(knownHostsEntryMatches(entries[3]!, 'hashed.example', 2830), true);
    assert.equal(knownHostsEntryMatches(entries[3]!, 'hashed.example', 22), false);
    assert.equal(check('hashed.example', 2830, keyB), undefined);
  });

  it('accepts any of several key types', () => {
    assert.equal(check('multi', 22, keyA), undefined);
    assert.equal(check('multi', 22, keyB), undefined);
  });

  it('applies wildcards and negation', () => {
    assert.equal(check('a.wild.example', 22, keyA), undefined);
    assert.ok(check('bad.wild.example', 22, keyA) instanceof NetconfHostKeyError);
  });

  it('rejects a revoked key', () => {
    assert.match(check('revoked', 22, keyA)!.message, /@revoked/);
  });
});

describe('preferredHostKeyAlgorithms', () => {
  const entries = parseKnownHosts(`[h]:830 ssh-rsa ${keyA.toString('base64')}\nother ssh-ed25519 ${keyB.toString('base64')}\n`);

  it('puts the RSA algorithms first for an ssh-rsa entry', () => {
    assert.deepEqual(preferredHostKeyAlgorithms(entries, 'h', 830)?.slice(0, 4), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });

  it('returns undefined for an unknown host', () => {
    assert.equal(preferredHostKeyAlgorithms(entries, 'h', 22), undefined);
  });
});
