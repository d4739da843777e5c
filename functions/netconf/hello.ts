import { childrenNamed, escapeXml, firstChild, parseXml } from '../common/xml.js';
import { NetconfProtocolError } from './errors.js';
import type { Framing } from './framing.js';

/** Namespace of NETCONF base elements (`hello`, `rpc`, `rpc-reply`), RFC 6241 section 3.1. */
export const NETCONF_BASE_NAMESPACE = 'urn:ietf:params:xml:ns:netconf:base:1.0';

export const BASE_1_0 = 'urn:ietf:params:netconf:base:1.0';
export const BASE_1_1 = 'urn:ietf:params:netconf:base:1.1';
export const NOTIFICATION_1_0 = 'urn:ietf:params:netconf:capability:notification:1.0';
export const INTERLEAVE_1_0 = 'urn:ietf:params:netconf:capability:interleave:1.0';

/** Largest session-id RFC 6241 allows (the YANG type is uint32, and 0 is reserved). */
const MAX_SESSION_ID = 4294967295;

/** Contents of a `<hello>` message. */
export interface Hello {
  capabilities: string[];
  /** Present in a server's hello; a client's hello has none (RFC 6241 section 8.1). */
  sessionId?: number;
}

/**
 * Builds a `<hello>` message. A server passes its `sessionId`. A client passes none, because
 * RFC 6241 section 8.1 requires a server to end the session when a client hello has one.
 */
export function buildHello(capabilities: readonly string[], sessionId?: number): string {
  if (sessionId !== undefined && !isValidSessionId(sessionId)) {
    throw new RangeError(`sessionId must be an integer from 1 to ${MAX_SESSION_ID}, got ${sessionId}`);
  }
  const capabilityElements = capabilities
    .map((capability) => `<capability>${escapeXml(capability)}</capability>`)
    .join('');
  const sessionIdElement = sessionId === undefined ? '' : `<session-id>${sessionId}</session-id>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<hello xmlns="${NETCONF_BASE_NAMESPACE}"><capabilities>${capabilityElements}</capabilities>${sessionIdElement}</hello>`
  );
}

/**
 * Parses a `<hello>` message and returns its capabilities (trimmed, in document order) and
 * session-id.
 * @throws NetconfProtocolError if the input is not well-formed XML, not a NETCONF `<hello>`,
 *   lists no capability, or carries a session-id that is not an integer from 1 to 4294967295.
 */
export function parseHello(xml: string | Buffer, options: { maxBytes?: number } = {}): Hello {
  let root;
  try {
    root = parseXml(xml, { maxBytes: options.maxBytes });
  } catch (error) {
    throw new NetconfProtocolError(`Invalid NETCONF hello: ${(error as Error).message}`, { cause: error });
  }
  if (root.localName !== 'hello' || root.namespace !== NETCONF_BASE_NAMESPACE) {
    throw new NetconfProtocolError(
      `Expected a NETCONF <hello> in namespace ${NETCONF_BASE_NAMESPACE}, got <${root.localName}> in namespace "${root.namespace}"`,
    );
  }

  const capabilitiesElement = firstChild(root, 'capabilities', NETCONF_BASE_NAMESPACE);
  const capabilities = capabilitiesElement === undefined
    ? []
    : childrenNamed(capabilitiesElement, 'capability', NETCONF_BASE_NAMESPACE)
      .map((element) => element.text.trim())
      .filter((capability) => capability !== '');
  if (capabilities.length === 0) {
    throw new NetconfProtocolError('Invalid NETCONF hello: it lists no <capability>; RFC 6241 section 8.1 requires at least the base capability');
  }

  const sessionIdElement = firstChild(root, 'session-id', NETCONF_BASE_NAMESPACE);
  if (sessionIdElement === undefined) {
    return { capabilities };
  }
  const sessionIdText = sessionIdElement.text.trim();
  const sessionId = /^[0-9]{1,10}$/.test(sessionIdText) ? Number(sessionIdText) : Number.NaN;
  if (!isValidSessionId(sessionId)) {
    throw new NetconfProtocolError(`Invalid NETCONF hello: session-id "${sessionIdText}" is not an integer from 1 to ${MAX_SESSION_ID}`);
  }
  return { capabilities, sessionId };
}

/** Chooses the framing after the hello exchange: chunked iff both peers list base:1.1 (RFC 6242 section 4.1). */
export function chooseFraming(local: readonly string[], remote: readonly string[]): Framing {
  return hasCapability(local, BASE_1_1) && hasCapability(remote, BASE_1_1) ? 'chunked' : 'eom';
}

/**
 * Tells whether a capability list contains `capability`, ignoring any `?query` part,
 * because RFC 6241 section 8.1 lets a capability URI carry parameters.
 */
export function hasCapability(capabilities: readonly string[], capability: string): boolean {
  return capabilities.some((entry) => entry === capability || entry.startsWith(`${capability}?`));
}

function isValidSessionId(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_SESSION_ID;
}
