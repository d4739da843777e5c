import { escapeXml } from '../common/xml.js';
import { ESC_NAMESPACE } from './event-parser.js';
import { VmActionError } from './errors.js';
import type { VmActionCommandRecord } from './records.js';
import { DEFAULT_VM_NAME_PATTERN, MAX_VM_NAME_LENGTH } from './vm-names.js';

/** `actionType` values ESC documents for `vmAction`. */
export const VM_ACTION_TYPES = ['START', 'STOP', 'REBOOT', 'ENABLE_MONITOR', 'DISABLE_MONITOR'] as const;
export type VmActionType = (typeof VM_ACTION_TYPES)[number];

/**
 * Request form. `editconfig` wraps `vmAction` in `edit-config` on the running
 * datastore, as ESC 1.0 to 2.3 expect. `rpc` sends the bare `vmAction` element as a custom
 * RPC, as later releases accept.
 */
export type VmActionForm = 'editconfig' | 'rpc';
export const VM_ACTION_FORMS: readonly VmActionForm[] = ['editconfig', 'rpc'];

export interface ValidateVmActionOptions {
  /**
   * Pattern a VM name must match, checked after the built-in safety checks.
   * @default DEFAULT_VM_NAME_PATTERN
   */
  vmNamePattern?: RegExp;
}

// Characters that never belong in a VM name: they would need escaping in XML or shell
// output, or hide differences in logs.
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\s<>&"'`\\]/u;

/** Checks a command before it is sent. Returns one message per problem; empty means valid. */
export function validateVmActionCommand(command: VmActionCommandRecord, options: ValidateVmActionOptions = {}): string[] {
  const problems: string[] = [];
  if (typeof command.commandId !== 'string' || command.commandId.trim() === '') {
    problems.push('commandId is missing or empty; set a unique id for the command');
  }
  if (!(VM_ACTION_TYPES as readonly string[]).includes(command.actionType)) {
    problems.push(`actionType ${JSON.stringify(command.actionType)} is not supported; use one of ${VM_ACTION_TYPES.join(', ')}`);
  }
  problems.push(...validateVmName(command.vmName, options.vmNamePattern ?? DEFAULT_VM_NAME_PATTERN));
  if (command.force !== null && typeof command.force !== 'boolean') {
    problems.push(`force ${JSON.stringify(command.force)} is invalid; use true, false or null`);
  }
  return problems;
}

function validateVmName(vmName: unknown, pattern: RegExp): string[] {
  if (typeof vmName !== 'string' || vmName === '') {
    return ['vmName is missing or empty; set the ESC VM name (not the VIM UUID)'];
  }
  if (vmName.length > MAX_VM_NAME_LENGTH) {
    return [`vmName is ${vmName.length} characters long, over the maximum of ${MAX_VM_NAME_LENGTH}`];
  }
  const unsafe = UNSAFE_CHARACTER.exec(vmName);
  if (unsafe !== null) {
    const codePoint = unsafe[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return [`vmName ${JSON.stringify(vmName)} contains the invalid character U+${codePoint} at index ${unsafe.index}`];
  }
  if (!pattern.test(vmName)) {
    return [`vmName ${JSON.stringify(vmName)} does not match the VM name pattern ${pattern}`];
  }
  return [];
}

export interface BuildVmActionOptions {
  form: VmActionForm;
  /**
   * Namespace URI of the `vmAction` element.
   * @default 'http://www.cisco.com/esc/esc'
   */
  namespace?: string;
}

/**
 * Builds the operation XML for one `vmAction`, without the `<rpc>` wrapper the NETCONF
 * session adds. Every value is XML-escaped. `<force>` is present only when `force` is not
 * null. The action is not validated here: call `validateVmActionCommand` first.
 */
export function buildVmActionOperation(
  action: { actionType: string; vmName: string; force: boolean | null },
  options: BuildVmActionOptions,
): string {
  const namespace = options.namespace ?? ESC_NAMESPACE;
  const force = action.force === null ? '' : `<force>${action.force ? 'true' : 'false'}</force>`;
  const vmAction =
    `<vmAction xmlns="${escapeXml(namespace)}">` +
    `<actionType>${escapeXml(action.actionType)}</actionType>` +
    `<vmName>${escapeXml(action.vmName)}</vmName>` +
    force +
    '</vmAction>';

  switch (options.form) {
    case 'rpc':
      return vmAction;
    case 'editconfig':
      // edit-config inherits the NETCONF base namespace from the <rpc> wrapper.
      return `<edit-config><target><running/></target><config>${vmAction}</config></edit-config>`;
    default:
      throw new VmActionError(
        `vmAction form ${JSON.stringify(options.form)} is not supported; use one of ${VM_ACTION_FORMS.join(', ')}`,
      );
  }
}
