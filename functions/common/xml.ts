import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BridgeError } from './errors.js';

/**
 * An XML element with its namespace resolved to a URI. Prefixes are gone: code
 * matches elements by `namespace` + `localName`, as XML Namespaces 1.0 requires,
 * so `<esc:escEvent xmlns:esc="…">` and `<escEvent xmlns="…">` are the same element.
 */
export interface XmlElement {
  readonly localName: string;
  /** Namespace URI, or the empty string for an element in no namespace. */
  readonly namespace: string;
  /** Attributes by their name as written (prefix included), namespace declarations excluded. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element, untrimmed. */
  readonly text: string;
}

/** Default upper bound on one XML document, in bytes. */
export const DEFAULT_MAX_XML_BYTES = 1024 * 1024;

export interface ParseXmlOptions {
  /**
   * Documents larger than this are rejected before parsing, in bytes.
   * @default 1048576
   */
  maxBytes?: number;
}

/** Raised for input that is not acceptable XML; never retriable. */
export class XmlError extends BridgeError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { retriable: false, cause });
  }
}

// DOCTYPE and ENTITY declarations are refused outright, which rules out entity expansion
// attacks (billion laughs) and external entities whatever the parser would do with them.
const FORBIDDEN_DECLARATION = /<!(DOCTYPE|ENTITY)/i;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // References are decoded by decodeReferences below: fast-xml-parser 5 leaves numeric
  // character references such as &#60; undecoded and accepts undeclared entities.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
});

type OrderedNode = Record<string, unknown>;

/**
 * Parses one XML document and returns its root element with namespaces resolved.
 * Rejects oversized input, DOCTYPE and ENTITY declarations, and input that is not
 * well-formed, each with an `XmlError` naming the problem.
 */
export function parseXml(input: string | Buffer, options: ParseXmlOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const byteLength = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (byteLength > maxBytes) {
    throw new XmlError('XML_TOO_LARGE', `XML document is ${byteLength} bytes, over the limit of ${maxBytes} bytes`);
  }
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (FORBIDDEN_DECLARATION.test(text)) {
    throw new XmlError('XML_DECLARATION_REJECTED', 'XML document contains a DOCTYPE or ENTITY declaration, which is rejected');
  }

  const validation = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new XmlError('XML_MALFORMED', `XML document is not well-formed: ${msg} (line ${line}, column ${col})`);
  }

  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (error) {
    throw new XmlError('XML_MALFORMED', `XML document could not be parsed: ${(error as Error).message}`, error);
  }

  const roots = nodes.filter((node) => elementName(node) !== undefined);
  if (roots.length !== 1) {
    throw new XmlError('XML_MALFORMED', `XML document must have exactly one root element, found ${roots.length}`);
  }
  return resolveElement(roots[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

function elementName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) {
    if (key !== ':@' && key !== '#text' && key !== '#cdata') {
      return key;
    }
  }
  return undefined;
}

function resolveElement(node: OrderedNode, parentScope: ReadonlyMap<string, string>): XmlElement {
  const qualifiedName = elementName(node)!;
  const rawAttributes = (node[':@'] ?? {}) as Record<string, string>;

  let scope: Map<string, string> | undefined;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      scope ??= new Map(parentScope);
      scope.set(name === 'xmlns' ? '' : name.slice(6), decodeReferences(value));
    } else {
      attributes[name] = decodeReferences(value);
    }
  }
  const effectiveScope = scope ?? parentScope;

  const colon = qualifiedName.indexOf(':');
  const prefix = colon === -1 ? '' : qualifiedName.slice(0, colon);
  const localName = colon === -1 ? qualifiedName : qualifiedName.slice(colon + 1);
  const namespace = effectiveScope.get(prefix);
  if (namespace === undefined && prefix !== '') {
    throw new XmlError('XML_MALFORMED', `XML element <${qualifiedName}> uses the undeclared namespace prefix "${prefix}"`);
  }

  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qualifiedName] ?? []) as OrderedNode[]) {
    if ('#text' in child) {
      text += decodeReferences(String(child['#text']));
    } else if ('#cdata' in child) {
      for (const part of child['#cdata'] as OrderedNode[]) {
        text += String(part['#text'] ?? '');
      }
    } else if (elementName(child) !== undefined) {
      children.push(resolveElement(child, effectiveScope));
    }
  }

  return { localName, namespace: namespace ?? '', attributes, children, text };
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&([^;&\s]*);?/g;

/**
 * Decodes the five predefined entities and numeric character references (XML 1.0 section
 * 4.1) in one pass, so `&amp;#60;` becomes the text `&#60;`, not `<`. Any other reference
 * is an error, because a document without a DOCTYPE cannot declare entities.
 */
function decodeReferences(raw: string): string {
  if (!raw.includes('&')) {
    return raw;
  }
  return raw.replace(REFERENCE, (match: string, name: string) => {
    if (!match.endsWith(';')) {
      throw new XmlError('XML_MALFORMED', `XML text contains a bare "&" (in ${JSON.stringify(match)}); write it as &amp;`);
    }
    const predefined = PREDEFINED_ENTITIES[name];
    if (predefined !== undefined) {
      return predefined;
    }
    const codePoint = /^#x[0-9a-fA-F]+$/.test(name)
      ? Number.parseInt(name.slice(2), 16)
      : /^#[0-9]+$/.test(name)
        ? Number.parseInt(name.slice(1), 10)
        : undefined;
    if (codePoint === undefined) {
      throw new XmlError('XML_MALFORMED', `XML text references the undeclared entity ${match}`);
    }
    if (!isXmlChar(codePoint)) {
      throw new XmlError('XML_MALFORMED', `XML character reference ${match} is not a legal XML character`);
    }
    return String.fromCodePoint(codePoint);
  });
}

/** Tells whether a code point is a legal XML 1.0 character (the Char production). */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Returns the child elements with this local name, and this namespace URI when one is given. */
export function childrenNamed(element: XmlElement, localName: string, namespace?: string): XmlElement[] {
  return element.children.filter(
    (child) => child.localName === localName && (namespace === undefined || child.namespace === namespace),
  );
}

/** Returns the first child element with this local name (and namespace URI, when given). */
export function firstChild(element: XmlElement, localName: string, namespace?: string): XmlElement | undefined {
  return element.children.find(
    (child) => child.localName === localName && (namespace === undefined || child.namespace === namespace),
  );
}

/** Escapes text for use as XML character data or inside a double-quoted attribute value. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Serializes an element back to XML text, declaring its namespace on itself.
 * Used to keep elements the bridge does not know (for example fields a newer ESC adds).
 */
export function serializeXml(element: XmlElement, parentNamespace?: string): string {
  const namespaceDeclaration =
    element.namespace !== parentNamespace ? ` xmlns="${escapeXml(element.namespace)}"` : '';
  const attributes = Object.entries(element.attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
  const inner = element.children.length > 0
    ? element.children.map((child) => serializeXml(child, element.namespace)).join('')
    : escapeXml(element.text);
  return `<${element.localName}${namespaceDeclaration}${attributes}>${inner}</${element.localName}>`;
}
