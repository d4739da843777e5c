/**
 * Record types of the bridge. Field names match the Avro schemas in `schemas/`
 * (`EscEvent.avsc`, `VmActionCommand.avsc`, `VmActionResult.avsc`) exactly, so a record
 * built here encodes without renaming. Timestamps are epoch milliseconds (Avro
 * `timestamp-millis`). Optional fields are `null`, never `undefined`.
 */

/** One `interface` entry of `vm_source/interfaces` or `vm_target/interfaces`. */
export interface VmInterfaceRecord {
  /** NIC index (`nicid`), kept as text. */
  nicid: string | null;
  type: string | null;
  /** VIM port UUID (`port_id`). */
  portId: string | null;
  /** VIM network UUID (a name at the escEvent level, a UUID here). */
  network: string | null;
  /** VIM subnet UUID. */
  subnet: string | null;
  ipAddress: string | null;
  macAddress: string | null;
  netmask: string | null;
  gateway: string | null;
  /** Unknown child elements: local name to serialized XML. */
  unknownElements: Record<string, string>;
}

/** Contents of a non-empty `vm_source` or `vm_target` container. */
export interface VmRefRecord {
  /** VIM (OpenStack) server id. */
  vmid: string | null;
  /** Compute-host id. */
  hostid: string | null;
  /** Compute-host name (ESC 2.2 and later). */
  hostname: string | null;
  /** Entries of `interfaces/interface`, empty when the element is absent. */
  interfaces: VmInterfaceRecord[];
  /** Unknown child elements: local name to serialized XML. */
  unknownElements: Record<string, string>;
}

/** Everything the bridge reads from one `escEvent` notification. */
export interface EscEventFields {
  /** Notification `eventTime`, epoch milliseconds (fractions beyond milliseconds truncated). */
  eventTime: number;
  /** Notification `eventTime` as received, trimmed. */
  eventTimeText: string;
  /** `status`: `SUCCESS` or `FAILURE` in every documented release. */
  status: string;
  /** `status_code`, an HTTP-like code kept as text (ESC 2.2 and later). */
  statusCode: string | null;
  statusMessage: string | null;
  tenant: string | null;
  /** `tenant_id`, the VIM project id. */
  tenantId: string | null;
  depname: string | null;
  depid: string | null;
  svcname: string | null;
  svcversion: string | null;
  /** `svcid`, or null when absent or the literal `NULL`. */
  svcid: string | null;
  /** `svcid` as received (trimmed), including the literal `NULL`. */
  svcidRaw: string | null;
  /** `vm_group`. */
  vmGroup: string | null;
  /** Network name (network events only). */
  network: string | null;
  /** Subnet name (subnet events only). */
  subnet: string | null;
  /** `vm_source`, or null when absent or empty. */
  vmSource: VmRefRecord | null;
  /** `vm_target`, or null when absent or empty. */
  vmTarget: VmRefRecord | null;
  /** `event/type`, for example `VM_STOPPED`. */
  eventType: string;
  /** `event/details`. */
  eventDetails: string | null;
  /** A `vm_name` element, in case a later ESC release sends one. */
  vmName: string | null;
  /** VM names found inside `[...]` of `status_message`, with line breaks removed. */
  vmNames: string[];
  /** Unknown child elements of `escEvent`: local name to serialized XML. */
  unknownElements: Record<string, string>;
}

/** An `escEvent` as published on Kafka. */
export interface EscEventRecord extends EscEventFields {
  /** Deterministic id: the same notification content always gets the same UUID. */
  eventId: string;
  /** The ESC host the notification came from. */
  escHost: string;
  /** When the bridge received the notification, epoch milliseconds. */
  receivedAt: number;
}

/** A request to run one `vmAction` on ESC. */
export interface VmActionCommandRecord {
  /** Caller-chosen id. A worker process runs each command id at most once. */
  commandId: string;
  /** `START`, `STOP`, `REBOOT`, `ENABLE_MONITOR` or `DISABLE_MONITOR`. Workers report other values as INVALID. */
  actionType: string;
  /** ESC VM name (not the VIM UUID). */
  vmName: string;
  /** `force` element value, or null to leave the element out. */
  force: boolean | null;
  /** ESC host to send to, or null for the worker's default. */
  escHost: string | null;
  requestedBy: string | null;
  /** Epoch milliseconds. */
  requestedAt: number | null;
  /** Epoch milliseconds after which the command must not run. */
  expiresAt: number | null;
}

/** One `rpc-error` of an ESC reply (RFC 6241 section 4.3), fields verbatim. */
export interface RpcErrorRecord {
  errorType: string | null;
  errorTag: string | null;
  errorSeverity: string | null;
  errorAppTag: string | null;
  errorPath: string | null;
  errorMessage: string | null;
  /** `error-info` contents as serialized XML. */
  errorInfo: string | null;
}

/** The outcome of one `VmActionCommandRecord`, echoing the command's fields. */
export interface VmActionResultRecord extends VmActionCommandRecord {
  /** `ACCEPTED`, `REJECTED`, `INVALID`, `EXPIRED` or `FAILED`. */
  status: string;
  /** Human-readable explanation of the status. */
  reason: string | null;
  /** The reply's `rpc-error` elements, empty unless ESC rejected the request. */
  rpcErrors: RpcErrorRecord[];
  /** True when the request may have reached ESC although no reply arrived. */
  mayHaveReachedEsc: boolean;
  netconfMessageId: string | null;
  netconfSessionId: string | null;
  /** Identifier of the worker that handled the command. */
  worker: string | null;
  /** When the worker received the command, epoch milliseconds. */
  receivedAt: number;
  /** When the worker finished with the command, epoch milliseconds. */
  completedAt: number;
}
