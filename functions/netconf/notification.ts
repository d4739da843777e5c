import { escapeXml, firstChild, type XmlElement } from '../common/xml.js';

/** Namespace of `<notification>` and `<create-subscription>` (RFC 5277 section 4). */
export const NOTIFICATION_NAMESPACE = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/**
 * One `<notification>` (RFC 5277 section 4) as received, or another message the session could
 * not use, marked by `parseError`.
 */
export interface NetconfNotification {
  /** The message text as received. */
  xml: string;
  /** The `<eventTime>` text, untrimmed of nothing but surrounding whitespace. */
  eventTime?: string;
  /** Time the message was read, in milliseconds since the epoch. */
  receivedAt: number;
  /** Parsed root element, absent when `parseError` is set. */
  root?: XmlElement;
  /**
   * Reason the message is not a valid notification. A malformed message carries its XML parse
   * error. A well-formed message that is neither an `<rpc-reply>` nor a `<notification>` in the
   * RFC 5277 namespace carries a NetconfProtocolError naming its root element and namespace.
   * Such a message is still emitted, so a caller can keep the raw text instead of losing it.
   */
  parseError?: Error;
}

/** Options of `<create-subscription>` (RFC 5277 section 2.1.1). */
export interface CreateSubscriptionOptions {
  /** Stream name; the server's default stream (`NETCONF`) when absent. */
  stream?: string;
  /** Replay start, as an RFC 3339 date-time. */
  startTime?: string;
  /** Replay stop, as an RFC 3339 date-time. */
  stopTime?: string;
  /** A whole `<filter>` element, or subtree filter content that is wrapped in `<filter type="subtree">`. */
  filterXml?: string;
}

/** Reads a parsed `<notification>` element. */
export function readNotification(root: XmlElement, xml: string, receivedAt: number): NetconfNotification {
  const eventTime = firstChild(root, 'eventTime', NOTIFICATION_NAMESPACE)?.text.trim();
  return { xml, receivedAt, root, ...(eventTime === undefined ? {} : { eventTime }) };
}

/** Builds the `<create-subscription>` operation, with its children in the order RFC 5277 defines. */
export function buildCreateSubscription(options: CreateSubscriptionOptions = {}): string {
  const parts: string[] = [];
  if (options.stream !== undefined) {
    parts.push(`<stream>${escapeXml(options.stream)}</stream>`);
  }
  if (options.filterXml !== undefined) {
    const filter = options.filterXml.trim();
    const isFilterElement = /^<([\w.-]+:)?filter[\s/>]/.test(filter);
    parts.push(isFilterElement ? filter : `<filter type="subtree">${filter}</filter>`);
  }
  if (options.startTime !== undefined) {
    parts.push(`<startTime>${escapeXml(options.startTime)}</startTime>`);
  }
  if (options.stopTime !== undefined) {
    parts.push(`<stopTime>${escapeXml(options.stopTime)}</stopTime>`);
  }
  return `<create-subscription xmlns="${NOTIFICATION_NAMESPACE}">${parts.join('')}</create-subscription>`;
}
