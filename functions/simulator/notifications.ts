import { escapeXml } from '../common/xml.js';
import type { ActionType, VmRecord } from './inventory.js';

export const NOTIFICATION_NAMESPACE = 'urn:ietf:params:xml:ns:netconf:notification:1.0';
export const ESC_NAMESPACE = 'http://www.cisco.com/esc/esc';

/** Fields of one escEvent notification, in the order ESC writes them. */
export interface SimulatedEvent {
  /** `event/type`, for example `VM_STOPPED`. */
  type: string;
  /** @default 'SUCCESS' */
  status?: 'SUCCESS' | 'FAILURE';
  statusMessage: string;
  depname?: string;
  tenant?: string;
  /** @default 'NULL', as ESC 2.2+ sends for VM operations; pass null to leave the element out. */
  svcid?: string | null;
  depid?: string;
  vmGroup?: string;
  /** The VM the event is about; absent renders an empty `<vm_source>` as ESC does on FAILURE. */
  vmSource?: { vmid: string; hostid: string; hostname?: string };
  /** @default the current time */
  eventTime?: Date;
}

/** Formats a time as ESC does: milliseconds and an explicit `+00:00` offset. */
export function formatEventTime(time: Date): string {
  return time.toISOString().replace('Z', '+00:00');
}

function leaf(name: string, value: string | undefined | null): string {
  return value === undefined || value === null ? '' : `    <${name}>${escapeXml(value)}</${name}>\n`;
}

/** Renders a `<notification>` carrying one `escEvent`, shaped like ESC's own. */
export function buildEventNotification(event: SimulatedEvent): string {
  const source = event.vmSource;
  const vmSource = source === undefined
    ? '    <vm_source>\n  </vm_source>\n'
    : '    <vm_source>\n'
      + `      <vmid>${escapeXml(source.vmid)}</vmid>\n`
      + `      <hostid>${escapeXml(source.hostid)}</hostid>\n`
      + (source.hostname === undefined ? '' : `      <hostname>${escapeXml(source.hostname)}</hostname>\n`)
      + '    </vm_source>\n';
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<notification xmlns="${NOTIFICATION_NAMESPACE}">\n`
    + `  <eventTime>${formatEventTime(event.eventTime ?? new Date())}</eventTime>\n`
    + `  <escEvent xmlns="${ESC_NAMESPACE}">\n`
    + leaf('status', event.status ?? 'SUCCESS')
    + leaf('status_message', event.statusMessage)
    + leaf('depname', event.depname)
    + leaf('tenant', event.tenant)
    + leaf('svcid', event.svcid === undefined ? 'NULL' : event.svcid)
    + leaf('depid', event.depid)
    + leaf('vm_group', event.vmGroup)
    + vmSource
    // ESC writes an empty vm_target as an element holding only whitespace.
    + '    <vm_target>\n  </vm_target>\n'
    + '    <event>\n'
    + `      <type>${escapeXml(event.type)}</type>\n`
    + '    </event>\n'
    + '  </escEvent>\n'
    + '</notification>';
}

/** Builds a SUCCESS event about one VM, with its deployment context filled in. */
export function vmEvent(vm: VmRecord, type: string, statusMessage: string): SimulatedEvent {
  return {
    type,
    status: 'SUCCESS',
    statusMessage,
    depname: vm.depname,
    tenant: vm.tenant,
    depid: vm.depid,
    vmGroup: vm.vmGroup,
    vmSource: { vmid: vm.vmid, hostid: vm.hostid, ...(vm.hostname === undefined ? {} : { hostname: vm.hostname }) },
  };
}

/**
 * Builds a FAILURE event for a VM operation. ESC leaves out `vm_group` and sends an empty
 * `vm_source` on these, so only tenant, deployment and type identify the VM.
 */
export function vmFailureEvent(vm: VmRecord, type: string, statusMessage: string): SimulatedEvent {
  return { type, status: 'FAILURE', statusMessage, depname: vm.depname, tenant: vm.tenant, depid: vm.depid };
}

/** One step of the notification sequence that follows an accepted vmAction. */
export interface SequenceStep {
  event: SimulatedEvent;
  /** Whether this step waits `aliveDelayMs` after the previous one (VM_ALIVE) instead of `actionDelayMs`. */
  afterAliveDelay: boolean;
}

/** Returns the notifications ESC sends after accepting a vmAction, in order. */
export function successSequence(vm: VmRecord, actionType: ActionType): SequenceStep[] {
  switch (actionType) {
    case 'STOP':
      return [{ event: vmEvent(vm, 'VM_STOPPED', 'VM successfully stopped'), afterAliveDelay: false }];
    case 'START':
      return [
        { event: vmEvent(vm, 'VM_STARTED', 'VM successfully started'), afterAliveDelay: false },
        { event: vmEvent(vm, 'VM_ALIVE', `VM_Alive event received after started, VM ID: [${vm.name}]`), afterAliveDelay: true },
      ];
    case 'REBOOT':
      return [
        { event: vmEvent(vm, 'VM_REBOOTED', 'VM successfully rebooted'), afterAliveDelay: false },
        { event: vmEvent(vm, 'VM_ALIVE', `VM_Alive event received after rebooted, VM ID: [${vm.name}]`), afterAliveDelay: true },
      ];
    case 'ENABLE_MONITOR':
      return [{ event: vmEvent(vm, 'VM_MONITOR_SET', 'Set Monitoring VM successfully.'), afterAliveDelay: false }];
    case 'DISABLE_MONITOR':
      return [{ event: vmEvent(vm, 'VM_MONITOR_UNSET', 'Unset Monitoring VM successfully.'), afterAliveDelay: false }];
  }
}

/** Returns the FAILURE notification ESC documents for a vmAction that failed after `<ok/>`. */
export function failureSequence(vm: VmRecord, actionType: ActionType): SequenceStep[] {
  const failures: Record<ActionType, [string, string]> = {
    STOP: ['VM_STOPPED', 'Service group suspension failed'],
    START: ['VM_STARTED', 'VM start failed'],
    // NOTE: ESC's documented REBOOT failure sample has its type cut off; VM_REBOOTED is a guess.
    REBOOT: ['VM_REBOOTED', 'VM reboot failed'],
    // NOTE: ESC documents no failure event for the monitor actions; these mirror the others.
    ENABLE_MONITOR: ['VM_MONITOR_SET', 'Set Monitoring VM failed'],
    DISABLE_MONITOR: ['VM_MONITOR_UNSET', 'Unset Monitoring VM failed'],
  };
  const [type, message] = failures[actionType];
  return [{ event: vmFailureEvent(vm, type, message), afterAliveDelay: false }];
}
