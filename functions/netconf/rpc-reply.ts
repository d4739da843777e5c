import { escapeXml, firstChild, parseXml, serializeXml, childrenNamed, type XmlElement } from '../common/xml.js';
import { NetconfProtocolError } from './errors.js';
import { NETCONF_BASE_NAMESPACE } from './hello.js';

/** One `<rpc-error>` of a reply (RFC 6241 section 4.3), with element names camelCased. */
export interface RpcError {
  errorType: string;
  errorTag: string;
  errorSeverity: string;
  errorAppTag?: string;
  errorPath?: string;
  errorMessage?: string;
  /** The `xml:lang` attribute of `<error-message>`. */
  errorMessageLang?: string;
  /** The `<error-info>` element serialized as XML. */
  errorInfo?: string;
}

/** A parsed `<rpc-reply>`. An `rpc-error` is data here; callers decide what it means. */
export interface RpcReply {
  messageId?: string;
  /**
   * True when no `rpc-error` has severity `error` and the reply carries `<ok/>`, data, or only
   * warnings (RFC 6241 section 4.4 sends no `<ok/>` when there are warnings).
   */
  ok: boolean;
  errors: RpcError[];
  /** The reply as received (or serialized, when parsed from an element). */
  xml: string;
  root: XmlElement;
}

/**
 * Parses an `<rpc-reply>` from text or from an already parsed element.
 * @throws NetconfProtocolError if the input is not well-formed XML or its root is not a NETCONF
 *   `<rpc-reply>`.
 */
export function parseRpcReply(input: string | Buffer | XmlElement, options: { maxBytes?: number } = {}): RpcReply {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    let root: XmlElement;
    try {
      root = parseXml(input, { maxBytes: options.maxBytes });
    } catch (error) {
      throw new NetconfProtocolError(`Invalid NETCONF rpc-reply: ${(error as Error).message}`, { cause: error });
    }
    return readRpcReply(root, typeof input === 'string' ? input : input.toString('utf8'));
  }
  return readRpcReply(input, serializeXml(input));
}

/** Reads a parsed `<rpc-reply>` element whose text is `xml`. */
export function readRpcReply(root: XmlElement, xml: string): RpcReply {
  if (root.localName !== 'rpc-reply' || root.namespace !== NETCONF_BASE_NAMESPACE) {
    throw new NetconfProtocolError(
      `Expected a NETCONF <rpc-reply> in namespace ${NETCONF_BASE_NAMESPACE}, got <${root.localName}> in namespace "${root.namespace}"`,
    );
  }

  const errors = childrenNamed(root, 'rpc-error', NETCONF_BASE_NAMESPACE).map(readRpcError);
  const hasOk = firstChild(root, 'ok', NETCONF_BASE_NAMESPACE) !== undefined;
  const hasData = root.children.some((child) => !(child.namespace === NETCONF_BASE_NAMESPACE && (child.localName === 'rpc-error' || child.localName === 'ok')));
  const hasErrorSeverity = errors.some((error) => error.errorSeverity === 'error');
  const ok = !hasErrorSeverity && (hasOk || hasData || errors.length > 0);

  const messageId = root.attributes['message-id'];
  return { ...(messageId === undefined ? {} : { messageId }), ok, errors, xml, root };
}

function readRpcError(element: XmlElement): RpcError {
  const text = (localName: string): string | undefined => {
    const child = firstChild(element, localName, NETCONF_BASE_NAMESPACE);
    return child === undefined ? undefined : child.text.trim();
  };

  const rpcError: RpcError = {
    errorType: text('error-type') ?? '',
    errorTag: text('error-tag') ?? '',
    errorSeverity: text('error-severity') ?? '',
  };
  const optionalFields: Array<[keyof RpcError, string]> = [
    ['errorAppTag', 'error-app-tag'],
    ['errorPath', 'error-path'],
    ['errorMessage', 'error-message'],
  ];
  for (const [field, localName] of optionalFields) {
    const value = text(localName);
    if (value !== undefined) {
      rpcError[field] = value;
    }
  }

  const lang = firstChild(element, 'error-message', NETCONF_BASE_NAMESPACE)?.attributes['xml:lang'];
  if (lang !== undefined) {
    rpcError.errorMessageLang = lang;
  }
  const errorInfo = firstChild(element, 'error-info', NETCONF_BASE_NAMESPACE);
  if (errorInfo !== undefined) {
    rpcError.errorInfo = serializeXml(errorInfo);
  }
  return rpcError;
}

/** Wraps an operation in `<rpc message-id="…">` in the NETCONF base namespace (RFC 6241 section 4.1). */
export function buildRpc(messageId: string, operationXml: string): string {
  return `<rpc message-id="${escapeXml(messageId)}" xmlns="${NETCONF_BASE_NAMESPACE}">${operationXml}</rpc>`;
}
