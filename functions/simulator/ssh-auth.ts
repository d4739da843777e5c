import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, ParsedKey } from 'ssh2';

// ssh2 is CommonJS, so its members come from the default export under ESM.
const { utils } = ssh2;
import { BridgeError } from '../common/errors.js';

/** Raised for a host key or authorized key that cannot be parsed. */
export class SimulatorKeyError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super('SIMULATOR_KEY_INVALID', message, { retriable: false, cause });
  }
}

/** A server host key with the forms clients need to pin it. */
export interface HostKey {
  privateKey: string | Buffer;
  /** `SHA256:<base64, no padding>`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** `<type> <base64>`, the key part of a known_hosts line. */
  publicKeyLine: string;
}

/** An SSH key pair in OpenSSH format. */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` block. */
  private: string;
  /** `ssh-ed25519 AAAA…` public key line. */
  public: string;
}

/** Function that generates one raw ed25519 key pair, ssh2's unless a test passes another. */
export type KeyPairGenerator = () => SshKeyPair;

/** Maximum key pairs `generateEd25519KeyPair` generates. At 0.41% bad keys, 20 bad ones in a row has a probability near 1e-48. */
export const KEY_GENERATION_ATTEMPTS = 20;

function generateWithSsh2(): SshKeyPair {
  const pair = utils.generateKeyPairSync('ed25519');
  return { private: pair.private, public: pair.public };
}

/**
 * Generates an ed25519 key pair in OpenSSH format whose private and public halves both parse
 * with `utils.parseKey`, so ssh2 and OpenSSH accept them.
 * @throws SimulatorKeyError when `KEY_GENERATION_ATTEMPTS` key pairs in a row fail to parse.
 */
export function generateEd25519KeyPair(options: { generate?: KeyPairGenerator } = {}): SshKeyPair {
  const generate = options.generate ?? generateWithSsh2;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= KEY_GENERATION_ATTEMPTS; attempt += 1) {
    // ssh2 1.17.0 returns a malformed pair (a 31-byte public key) for 367 of 90,000 ed25519
    // keys generated in a loop (0.41%, about 1 in 245; Node 20.20, x86-64). parseKey rejects them.
    const pair = generate();
    const results = [utils.parseKey(pair.private), utils.parseKey(pair.public)];
    lastError = results.find((result): result is Error => result instanceof Error);
    if (lastError === undefined) {
      return pair;
    }
  }
  throw new SimulatorKeyError(
    `Failed to generate a parseable ed25519 key in ${KEY_GENERATION_ATTEMPTS} attempts (last error: ${lastError?.message}); check the installed ssh2 version`,
    lastError,
  );
}

/**
 * Generates a new ed25519 private key in OpenSSH format.
 * @throws SimulatorKeyError when no parseable key could be generated.
 */
export function generateHostPrivateKey(): string {
  return generateEd25519KeyPair().private;
}

/** Computes the OpenSSH SHA-256 fingerprint of a public key blob in SSH wire format. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parses a host private key (PEM or OpenSSH), or generates an ed25519 one when none is given.
 * @throws SimulatorKeyError when the key cannot be parsed or is encrypted.
 */
export function loadHostKey(privateKey?: string | Buffer): HostKey {
  const source = privateKey ?? generateHostPrivateKey();
  const parsed = utils.parseKey(source);
  if (parsed instanceof Error) {
    throw new SimulatorKeyError(`Cannot parse the simulator host key: ${parsed.message}; pass an unencrypted PEM or OpenSSH private key`, parsed);
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  if (!key.isPrivateKey()) {
    throw new SimulatorKeyError('The simulator host key is a public key; pass the private key');
  }
  const blob = key.getPublicSSH();
  return { privateKey: source, fingerprint: sshFingerprint(blob), publicKeyLine: `${key.type} ${blob.toString('base64')}` };
}

/**
 * Parses OpenSSH public key lines (`ssh-ed25519 AAAA… comment`).
 * @throws SimulatorKeyError naming the line that cannot be parsed.
 */
export function parseAuthorizedKeys(lines: readonly string[]): ParsedKey[] {
  return lines.map((line, index) => {
    const parsed = utils.parseKey(line.trim());
    if (parsed instanceof Error) {
      throw new SimulatorKeyError(`authorizedKeys[${index}] is not an OpenSSH public key line: ${parsed.message}`, parsed);
    }
    return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  });
}

function sameSecret(expected: string, received: string): boolean {
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(received).digest();
  return timingSafeEqual(a, b);
}

/**
 * Handles one SSH authentication request: password, or public key from `authorizedKeys`
 * (RFC 4252 section 7, including the signature-less query). Other methods are rejected.
 * Returns whether the client is now authenticated.
 */
export function authenticate(
  context: AuthContext,
  credentials: { username: string; password: string; authorizedKeys: readonly ParsedKey[] },
): boolean {
  const methods: Array<'password' | 'publickey'> = credentials.authorizedKeys.length > 0 ? ['publickey', 'password'] : ['password'];
  const userMatches = sameSecret(credentials.username, context.username);
  if (context.method === 'password') {
    if (userMatches && sameSecret(credentials.password, context.password)) {
      context.accept();
      return true;
    }
  } else if (context.method === 'publickey') {
    const key = credentials.authorizedKeys.find(
      (candidate) => candidate.getPublicSSH().equals(context.key.data),
    );
    if (userMatches && key !== undefined) {
      if (context.signature === undefined || context.blob === undefined) {
        // The client only asks whether this key would be accepted.
        context.accept();
        return false;
      }
      if (key.verify(context.blob, context.signature, context.hashAlgo) === true) {
        context.accept();
        return true;
      }
    }
  }
  context.reject(methods);
  return false;
}
