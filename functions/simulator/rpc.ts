import { escapeXml, firstChild, type XmlElement } from '../common/xml.js';
import { ACTION_TYPES, type ActionType } from './inventory.js';
import { ESC_NAMESPACE } from './notifications.js';

export const BASE_NAMESPACE = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** The fields of one `rpc-error` (RFC 6241 section 4.3). */
export interface RpcErrorSpec {
  type: 'transport' | 'rpc' | 'protocol' | 'application';
  tag: string;
  message: string;
  /** Absolute path of the offending element, with `esc:` prefixes for the ESC namespace. */
  path?: string;
  /** `error-info` children, for example `{ 'bad-element': 'vmName' }`. */
  info?: Record<string, string>;
}

/** A vmAction request as the simulator understood it. */
export interface VmActionRequest {
  form: 'editconfig' | 'rpc';
  actionType: ActionType;
  vmName: string;
  force?: boolean;
}

/** Result of reading a vmAction element: the request, or the rpc-error to send back. */
export type VmActionParse = { ok: true; request: VmActionRequest } | { ok: false; error: RpcErrorSpec };

/**
 * Reads a `vmAction` element (ns `http://www.cisco.com/esc/esc`) in either form.
 * `pathPrefix` is the error-path of the vmAction element itself.
 */
export function parseVmAction(element: XmlElement, form: VmActionRequest['form'], pathPrefix: string): VmActionParse {
  const actionTypeElement = firstChild(element, 'actionType', ESC_NAMESPACE);
  const vmNameElement = firstChild(element, 'vmName', ESC_NAMESPACE);
  const forceElement = firstChild(element, 'force', ESC_NAMESPACE);

  if (actionTypeElement === undefined) {
    return { ok: false, error: missingElement('actionType', pathPrefix) };
  }
  if (vmNameElement === undefined || vmNameElement.text.trim() === '') {
    return { ok: false, error: missingElement('vmName', pathPrefix) };
  }
  const actionType = actionTypeElement.text.trim();
  if (!(ACTION_TYPES as readonly string[]).includes(actionType)) {
    return {
      ok: false,
      error: {
        type: 'application',
        tag: 'invalid-value',
        message: `"${actionType}" is not a valid value for actionType; expected one of ${ACTION_TYPES.join(', ')}`,
        path: `${pathPrefix}/esc:actionType`,
        info: { 'bad-element': 'actionType' },
      },
    };
  }
  let force: boolean | undefined;
  if (forceElement !== undefined) {
    const forceText = forceElement.text.trim();
    if (forceText !== 'true' && forceText !== 'false') {
      return {
        ok: false,
        error: {
          type: 'application',
          tag: 'invalid-value',
          message: `"${forceText}" is not a valid value for force; expected true or false`,
          path: `${pathPrefix}/esc:force`,
          info: { 'bad-element': 'force' },
        },
      };
    }
    force = forceText === 'true';
  }
  return {
    ok: true,
    request: { form, actionType: actionType as ActionType, vmName: vmNameElement.text.trim(), ...(force === undefined ? {} : { force }) },
  };
}

function missingElement(name: string, pathPrefix: string): RpcErrorSpec {
  return {
    type: 'application',
    tag: 'missing-element',
    message: `vmAction requires the element ${name}`,
    path: pathPrefix,
    info: { 'bad-element': name },
  };
}

/**
 * Returns the attributes of the root element's start tag exactly as written, so a reply
 * can echo them (RFC 6241 section 4.2). Namespace declarations other than the default
 * one are kept, because echoed prefixed attributes need them.
 */
export function rawRootAttributes(message: string): string[] {
  const startTag = /<(?:[A-Za-z_][\w.-]*:)?rpc(\s[^>]*?)?\/?>/.exec(message);
  if (startTag === null || startTag[1] === undefined) {
    return [];
  }
  const attributes: string[] = [];
  const attributePattern = /([^\s=]+)\s*=\s*("[^"]*"|'[^']*')/g;
  for (const match of startTag[1].matchAll(attributePattern)) {
    if (match[1] !== 'xmlns') {
      attributes.push(`${match[1]}=${match[2]}`);
    }
  }
  return attributes;
}

function replyOpenTag(echoedAttributes: readonly string[]): string {
  const attributes = echoedAttributes.map((attribute) => ` ${attribute}`).join('');
  return `<rpc-reply xmlns="${BASE_NAMESPACE}"${attributes}>`;
}

/** Builds `<rpc-reply><ok/></rpc-reply>` with the request's attributes. */
export function buildOkReply(echoedAttributes: readonly string[]): string {
  return `${replyOpenTag(echoedAttributes)}<ok/></rpc-reply>`;
}

/** Builds an `<rpc-reply>` carrying `<data>` with the given inner XML. */
export function buildDataReply(echoedAttributes: readonly string[], innerXml: string): string {
  return `${replyOpenTag(echoedAttributes)}<data>${innerXml}</data></rpc-reply>`;
}

/** Builds an `<rpc-reply>` with one `<rpc-error>`, elements in RFC 6241 order. */
export function buildErrorReply(echoedAttributes: readonly string[], error: RpcErrorSpec): string {
  const path = error.path === undefined
    ? ''
    : `\n    <error-path xmlns:esc="${ESC_NAMESPACE}">${escapeXml(error.path)}</error-path>`;
  const info = error.info === undefined
    ? ''
    : `\n    <error-info>${Object.entries(error.info).map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('')}</error-info>`;
  return `${replyOpenTag(echoedAttributes)}\n  <rpc-error>\n`
    + `    <error-type>${error.type}</error-type>\n`
    + `    <error-tag>${escapeXml(error.tag)}</error-tag>\n`
    + '    <error-severity>error</error-severity>'
    + path
    + `\n    <error-message xml:lang="en">${escapeXml(error.message)}</error-message>`
    + info
    + '\n  </rpc-error>\n</rpc-reply>';
}
