export { EscEventParseError, VmActionError } from './errors.js';
export {
  ESC_NAMESPACE,
  NOTIFICATION_NAMESPACE,
  parseEscEventNotification,
  parseEscEventRoot,
  type ParseEscEventOptions,
} from './event-parser.js';
export { computeEventId, toEscEventRecord } from './event-id.js';
export { parseEventTime } from './event-time.js';
export {
  buildVmActionOperation,
  validateVmActionCommand,
  VM_ACTION_FORMS,
  VM_ACTION_TYPES,
  type BuildVmActionOptions,
  type ValidateVmActionOptions,
  type VmActionForm,
  type VmActionType,
} from './vm-action.js';
export { DEFAULT_VM_NAME_PATTERN, extractVmNames, MAX_VM_NAME_LENGTH } from './vm-names.js';
export type {
  EscEventFields,
  EscEventRecord,
  RpcErrorRecord,
  VmActionCommandRecord,
  VmActionResultRecord,
  VmInterfaceRecord,
  VmRefRecord,
} from './records.js';
