import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { NetconfHostKeyError } from './errors.js';

/** Policy for checking the server's SSH host key, applied before any credential is sent. */
export type HostKeyPolicy =
  | {
    kind: 'fingerprint';
    /** SHA-256 fingerprint: `SHA256:<base64>` as `ssh-keygen -l` prints it, bare base64, or hex (colons allowed). */
    sha256: string;
  }
  | { kind: 'known-hosts'; path: string }
  /** Accepts any host key. Every connection logs a warning, because it allows a man-in-the-middle. */
  | { kind: 'insecure-accept-any' };

/** One key line of an OpenSSH known_hosts file (sshd(8), section SSH_KNOWN_HOSTS FILE FORMAT). */
export interface KnownHostsEntry {
  marker?: '@cert-authority' | '@revoked';
  /** Comma-separated host patterns, or one hashed `|1|salt|hash` name. */
  hosts: string;
  keyType: string;
  /** The public key blob, decoded from base64. */
  key: Buffer;
  lineNumber: number;
}

/** Returns the SHA-256 fingerprint of a public key blob in `ssh-keygen -l` form (`SHA256:` + unpadded base64). */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Decodes a SHA-256 fingerprint written as `SHA256:<base64>`, bare base64 (padding optional)
 * or hex (64 digits, colons allowed) into its 32 bytes.
 * @throws NetconfHostKeyError for any other value.
 */
export function decodeSha256Fingerprint(value: string): Buffer {
  const trimmed = value.trim();
  const hex = trimmed.replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) {
    return Buffer.from(hex, 'hex');
  }
  const base64 = trimmed.replace(/^SHA256:/i, '');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(base64)) {
    return Buffer.from(base64, 'base64');
  }
  throw new NetconfHostKeyError(
    `Invalid SHA-256 host key fingerprint "${value}": expected "SHA256:" followed by 43 base64 characters (as "ssh-keygen -lf <key>" prints) or 64 hex digits`,
  );
}

/** Parses OpenSSH known_hosts text. Comments, blank lines and lines that are not host keys are skipped. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) {
      return;
    }
    let marker: KnownHostsEntry['marker'];
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') {
      marker = fields.shift() as KnownHostsEntry['marker'];
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined || !/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) {
      return;
    }
    entries.push({ ...(marker === undefined ? {} : { marker }), hosts, keyType, key: Buffer.from(keyBase64, 'base64'), lineNumber: index + 1 });
  });
  return entries;
}

/** Reads and parses a known_hosts file. @throws NetconfHostKeyError when it cannot be read. */
export async function loadKnownHosts(path: string): Promise<KnownHostsEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new NetconfHostKeyError(`Cannot read known_hosts file ${path}: ${(error as Error).message}; create it with "ssh-keyscan -p <port> <host> >> ${path}" after checking the key out of band`, { cause: error });
  }
  return parseKnownHosts(text);
}

/**
 * Tells whether an entry's host field names `host` on `port`. The name looked up is `host` for
 * port 22 and `[host]:port` otherwise, as OpenSSH does. Patterns may use `*`, `?` and `!` negation.
 */
export function knownHostsEntryMatches(entry: KnownHostsEntry, host: string, port: number): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  if (entry.hosts.startsWith('|1|')) {
    return hashedNameMatches(entry.hosts, name);
  }
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (wildcardMatches(body.toLowerCase(), name.toLowerCase())) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

function hashedNameMatches(hashedField: string, name: string): boolean {
  const [, , saltBase64, hashBase64] = hashedField.split('|');
  if (saltBase64 === undefined || hashBase64 === undefined) {
    return false;
  }
  const expected = Buffer.from(hashBase64, 'base64');
  const actual = createHmac('sha1', Buffer.from(saltBase64, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function wildcardMatches(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

/**
 * Checks a presented host key blob against a policy. Returns undefined when the key is accepted
 * and the error to raise otherwise. `knownHosts` must be loaded beforehand for `known-hosts`.
 */
export function checkHostKey(options: {
  policy: HostKeyPolicy;
  host: string;
  port: number;
  keyBlob: Buffer;
  knownHosts?: readonly KnownHostsEntry[];
}): NetconfHostKeyError | undefined {
  const { policy, host, port, keyBlob } = options;
  const presented = sha256Fingerprint(keyBlob);
  if (policy.kind === 'insecure-accept-any') {
    return undefined;
  }
  if (policy.kind === 'fingerprint') {
    const expected = decodeSha256Fingerprint(policy.sha256);
    const actual = createHash('sha256').update(keyBlob).digest();
    if (timingSafeEqual(expected, actual)) {
      return undefined;
    }
    return new NetconfHostKeyError(
      `Host key of ${host}:${port} has fingerprint ${presented}, not the pinned ${policy.sha256}; if the server's key changed legitimately, pin the new fingerprint`,
    );
  }

  const entries = (options.knownHosts ?? []).filter((entry) => knownHostsEntryMatches(entry, host, port));
  if (entries.some((entry) => entry.marker === '@revoked' && entry.key.equals(keyBlob))) {
    return new NetconfHostKeyError(`Host key ${presented} of ${host}:${port} is marked @revoked in ${policy.path}`);
  }
  const keyEntries = entries.filter((entry) => entry.marker === undefined);
  if (keyEntries.some((entry) => entry.key.equals(keyBlob))) {
    return undefined;
  }
  if (keyEntries.length === 0) {
    return new NetconfHostKeyError(
      `No known_hosts entry for ${port === 22 ? host : `[${host}]:${port}`} in ${policy.path} (presented key ${presented}); add the server's key after checking it out of band`,
    );
  }
  const lines = keyEntries.map((entry) => entry.lineNumber).join(', ');
  return new NetconfHostKeyError(
    `Host key ${presented} of ${host}:${port} matches none of the known_hosts entries for it in ${policy.path} (lines ${lines}); the key changed or someone is intercepting the connection`,
  );
}

/** Host key algorithms ssh2 1.x offers by default, in its order (`ssh-ed25519` where Node supports it). */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Orders host key algorithms so those of the known_hosts keys for this host come first.
 * Without this, a server with several host keys could present a key type the
 * file does not list, and the check would fail although a listed key is valid.
 * Returns undefined when the file has no key for the host.
 */
export function preferredHostKeyAlgorithms(entries: readonly KnownHostsEntry[], host: string, port: number): string[] | undefined {
  const knownTypes = new Set(
    entries.filter((entry) => entry.marker === undefined && knownHostsEntryMatches(entry, host, port)).map((entry) => entry.keyType),
  );
  if (knownTypes.size === 0) {
    return undefined;
  }
  // An `ssh-rsa` key signs with any of the three RSA algorithms (RFC 8332).
  const preferred = DEFAULT_HOST_KEY_ALGORITHMS.filter((algorithm) =>
    knownTypes.has(algorithm) || (knownTypes.has('ssh-rsa') && algorithm.startsWith('rsa-sha2-')));
  const rest = DEFAULT_HOST_KEY_ALGORITHMS.filter((algorithm) => !preferred.includes(algorithm));
  return [...preferred, ...rest];
}
