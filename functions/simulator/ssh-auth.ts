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

/** Generates a new ed25519 private key in OpenSSH format. */
export function generateHostPrivateKey(): string {
  return utils.generateKeyPairSync('ed25519').private;
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
 * Answers one SSH authentication request: password, or public key from `authorizedKeys`
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
