import { BridgeError } from '../common/errors.js';
import { parseXml, serializeXml, type XmlElement } from '../common/xml.js';
import { EscEventParseError } from './errors.js';
import { parseEventTime } from './event-time.js';
import type { EscEventFields, VmInterfaceRecord, VmRefRecord } from './records.js';
import { extractVmNames } from './vm-names.js';

/** Namespace of the RFC 5277 `notification` envelope and its `eventTime`. */
export const NOTIFICATION_NAMESPACE = 'urn:ietf:params:xml:ns:netconf:notification:1.0';
/** Namespace of `escEvent` and its children. */
export const ESC_NAMESPACE = 'http://www.cisco.com/esc/esc';

export interface ParseEscEventOptions {
  /**
   * Notifications larger than this are rejected, in bytes.
   * @default 1048576
   */
  maxBytes?: number;
}

/** escEvent leaves and the record field each one fills. */
const LEAF_FIELDS = {
  status: 'status',
  status_code: 'statusCode',
  status_message: 'statusMessage',
  svcname: 'svcname',
  svcversion: 'svcversion',
  depname: 'depname',
  tenant: 'tenant',
  tenant_id: 'tenantId',
  svcid: 'svcidRaw',
  depid: 'depid',
  vm_group: 'vmGroup',
  network: 'network',
  subnet: 'subnet',
  vm_name: 'vmName',
} as const;

const INTERFACE_FIELDS = {
  nicid: 'nicid',
  type: 'type',
  port_id: 'portId',
  network: 'network',
  subnet: 'subnet',
  ip_address: 'ipAddress',
  mac_address: 'macAddress',
  netmask: 'netmask',
  gateway: 'gateway',
} as const;

const VM_REF_LEAVES = { vmid: 'vmid', hostid: 'hostid', hostname: 'hostname' } as const;

type LeafValues = Record<string, string | null>;

/**
 * Parses one NETCONF `notification` carrying an `escEvent` into its fields.
 * Leaf text is trimmed but never converted, so `0520` stays `"0520"`. Elements are matched
 * by namespace URI, so any prefix works. Unknown elements are kept as serialized XML.
 *
 * @throws EscEventParseError when the input is not XML the bridge accepts (oversized,
 *   DOCTYPE or ENTITY declarations, malformed) or lacks `eventTime`, `status` or `event/type`.
 */
export function parseEscEventNotification(xml: string | Buffer, options: ParseEscEventOptions = {}): EscEventFields {
  let root: XmlElement;
  try {
    root = parseXml(xml, { maxBytes: options.maxBytes });
  } catch (error) {
    if (error instanceof BridgeError) {
      throw new EscEventParseError(`escEvent notification rejected: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return parseEscEventRoot(root);
}

/**
 * Reads the EscEvent fields from an already parsed `<notification>` element, for a
 * caller (the NETCONF session) that parsed the message once already.
 * @throws EscEventParseError naming the missing or invalid element.
 */
export function parseEscEventRoot(root: XmlElement): EscEventFields {
  if (root.localName !== 'notification' || root.namespace !== NOTIFICATION_NAMESPACE) {
    throw new EscEventParseError(
      `escEvent notification rejected: root element is ${describeElement(root)}, expected <notification> in namespace ${NOTIFICATION_NAMESPACE}`,
    );
  }
  const eventTimeElement = singleChild(root, 'eventTime', NOTIFICATION_NAMESPACE, 'notification');
  const escEvent = singleChild(root, 'escEvent', ESC_NAMESPACE, 'notification');
  if (escEvent === undefined) {
    const elsewhere = root.children.find((child) => child.localName === 'escEvent');
    const hint = elsewhere === undefined ? '' : ` (found <escEvent> in namespace "${elsewhere.namespace}")`;
    throw new EscEventParseError(`escEvent notification rejected: missing <escEvent> in namespace ${ESC_NAMESPACE}${hint}`);
  }

  const eventTimeText = eventTimeElement === undefined ? null : leafText(eventTimeElement, 'notification');
  if (eventTimeText === null) {
    throw new EscEventParseError('escEvent notification rejected: missing or empty <eventTime> in <notification>');
  }
  const eventTime = parseEventTime(eventTimeText);
  if (typeof eventTime === 'string') {
    throw new EscEventParseError(`escEvent notification rejected: <eventTime> ${eventTime}`);
  }

  return { eventTime, eventTimeText, ...parseEscEventElement(escEvent) };
}

function parseEscEventElement(escEvent: XmlElement): Omit<EscEventFields, 'eventTime' | 'eventTimeText'> {
  const leaves: LeafValues = {};
  const unknownElements: Record<string, string> = {};
  const seen = new Set<string>();
  let vmSource: VmRefRecord | null = null;
  let vmTarget: VmRefRecord | null = null;
  let eventType: string | null = null;
  let eventDetails: string | null = null;

  for (const child of escEvent.children) {
    const name = child.localName;
    if (child.namespace !== ESC_NAMESPACE || !isKnownEscEventChild(name)) {
      keepUnknown(unknownElements, '', child);
      continue;
    }
    if (seen.has(name)) {
      throw new EscEventParseError(`escEvent notification rejected: <escEvent> contains more than one <${name}>`);
    }
    seen.add(name);

    if (name === 'vm_source' || name === 'vm_target') {
      const reference = parseVmRef(child);
      if (name === 'vm_source') vmSource = reference;
      else vmTarget = reference;
    } else if (name === 'event') {
      for (const eventChild of child.children) {
        if (eventChild.namespace === ESC_NAMESPACE && eventChild.localName === 'type') {
          eventType = leafText(eventChild, 'event');
        } else if (eventChild.namespace === ESC_NAMESPACE && eventChild.localName === 'details') {
          eventDetails = leafText(eventChild, 'event');
        } else {
          keepUnknown(unknownElements, 'event/', eventChild);
        }
      }
    } else {
      leaves[LEAF_FIELDS[name as keyof typeof LEAF_FIELDS]] = leafText(child, 'escEvent');
    }
  }

  const status = leaves.status ?? null;
  if (status === null) {
    throw new EscEventParseError('escEvent notification rejected: missing or empty <status> in <escEvent>');
  }
  if (eventType === null) {
    throw new EscEventParseError('escEvent notification rejected: missing or empty <event>/<type> in <escEvent>');
  }
  const statusMessage = leaves.statusMessage ?? null;
  const svcidRaw = leaves.svcidRaw ?? null;

  return {
    status,
    statusCode: leaves.statusCode ?? null,
    statusMessage,
    tenant: leaves.tenant ?? null,
    tenantId: leaves.tenantId ?? null,
    depname: leaves.depname ?? null,
    depid: leaves.depid ?? null,
    svcname: leaves.svcname ?? null,
    svcversion: leaves.svcversion ?? null,
    svcid: svcidRaw === 'NULL' ? null : svcidRaw,
    svcidRaw,
    vmGroup: leaves.vmGroup ?? null,
    network: leaves.network ?? null,
    subnet: leaves.subnet ?? null,
    vmSource,
    vmTarget,
    eventType,
    eventDetails,
    vmName: leaves.vmName ?? null,
    vmNames: extractVmNames(statusMessage),
    unknownElements,
  };
}

function isKnownEscEventChild(name: string): boolean {
  return name in LEAF_FIELDS || name === 'vm_source' || name === 'vm_target' || name === 'event';
}

/** Parses `vm_source` or `vm_target`; both empty shapes (`<x/>` and whitespace only) give null. */
function parseVmRef(container: XmlElement): VmRefRecord | null {
  const where = container.localName;
  if (container.children.length === 0) {
    if (container.text.trim() !== '') {
      throw new EscEventParseError(`escEvent notification rejected: <${where}> contains text instead of child elements`);
    }
    return null;
  }

  const leaves: LeafValues = {};
  const interfaces: VmInterfaceRecord[] = [];
  const unknownElements: Record<string, string> = {};
  for (const child of container.children) {
    const name = child.localName;
    if (child.namespace === ESC_NAMESPACE && name in VM_REF_LEAVES) {
      leaves[name] = leafText(child, where);
    } else if (child.namespace === ESC_NAMESPACE && name === 'interfaces') {
      for (const entry of child.children) {
        if (entry.namespace === ESC_NAMESPACE && entry.localName === 'interface') {
          interfaces.push(parseInterface(entry));
        } else {
          keepUnknown(unknownElements, 'interfaces/', entry);
        }
      }
    } else {
      keepUnknown(unknownElements, '', child);
    }
  }

  const reference: VmRefRecord = {
    vmid: leaves.vmid ?? null,
    hostid: leaves.hostid ?? null,
    hostname: leaves.hostname ?? null,
    interfaces,
    unknownElements,
  };
  const isEmpty = reference.vmid === null && reference.hostid === null && reference.hostname === null &&
    interfaces.length === 0 && Object.keys(unknownElements).length === 0;
  return isEmpty ? null : reference;
}

function parseInterface(entry: XmlElement): VmInterfaceRecord {
  const values: LeafValues = {};
  const unknownElements: Record<string, string> = {};
  for (const child of entry.children) {
    if (child.namespace === ESC_NAMESPACE && child.localName in INTERFACE_FIELDS) {
      values[INTERFACE_FIELDS[child.localName as keyof typeof INTERFACE_FIELDS]] = leafText(child, 'interface');
    } else {
      keepUnknown(unknownElements, '', child);
    }
  }
  return {
    nicid: values.nicid ?? null,
    type: values.type ?? null,
    portId: values.portId ?? null,
    network: values.network ?? null,
    subnet: values.subnet ?? null,
    ipAddress: values.ipAddress ?? null,
    macAddress: values.macAddress ?? null,
    netmask: values.netmask ?? null,
    gateway: values.gateway ?? null,
    unknownElements,
  };
}

/** Returns the trimmed text of a leaf, or null when it is empty or whitespace only. */
function leafText(element: XmlElement, parentName: string): string | null {
  if (element.children.length > 0) {
    throw new EscEventParseError(
      `escEvent notification rejected: <${element.localName}> in <${parentName}> contains child elements, expected text`,
    );
  }
  const text = element.text.trim();
  return text === '' ? null : text;
}

function singleChild(parent: XmlElement, localName: string, namespace: string, parentName: string): XmlElement | undefined {
  const matches = parent.children.filter((child) => child.localName === localName && child.namespace === namespace);
  if (matches.length > 1) {
    throw new EscEventParseError(`escEvent notification rejected: <${parentName}> contains more than one <${localName}>`);
  }
  return matches[0];
}

/**
 * Stores an element the parser does not know under its local name (with `prefix`, and in
 * `{namespace}name` form when it is outside the escEvent namespace). Repeated elements are
 * concatenated so none is lost.
 */
function keepUnknown(target: Record<string, string>, prefix: string, element: XmlElement): void {
  const name = element.namespace === ESC_NAMESPACE ? element.localName : `{${element.namespace}}${element.localName}`;
  const key = `${prefix}${name}`;
  // Serialized without a parent namespace, so the text declares its own namespace.
  const serialized = serializeXml(element);
  target[key] = (target[key] ?? '') + serialized;
}

function describeElement(element: XmlElement): string {
  return element.namespace === '' ? `<${element.localName}>` : `<${element.localName}> in namespace ${element.namespace}`;
}
