/**
 * Extracts the VM names that ESC embeds in `status_message` inside square brackets,
 * for example `VM_Alive event received, VM ID: [fw-edge-dep_FW_0_b678…]`.
 * ESC wraps long messages across lines, sometimes in the middle of a name, so line
 * breaks and the blanks around them are removed inside the brackets. Names never
 * contain whitespace, which makes that safe.
 */
export function extractVmNames(statusMessage: string | null): string[] {
  if (statusMessage === null) {
    return [];
  }
  const names: string[] = [];
  for (const match of statusMessage.matchAll(/\[([^[\]]*)\]/g)) {
    const name = match[1]!.replace(/[ \t]*(?:\r\n|\r|\n)[ \t]*/g, '').trim();
    if (name !== '') {
      names.push(name);
    }
  }
  return names;
}

/** Maximum length of a VM name accepted by `validateVmActionCommand`, in characters. */
// NOTE: ESC does not document a maximum; 255 is a guess that covers every sample name.
export const MAX_VM_NAME_LENGTH = 255;

/**
 * Default pattern for ESC VM names: letters, digits, `.`, `_` and `-`, starting with a
 * letter or digit. It matches the ESC 2.2+ form `<deployment>_<group>_<index>_<uuid>`
 * (`fw-edge-dep_FW_0_b678affe-2ec1-4c0b-8d48-98a08c075ae4`) and the 1.x form
 * `<svc>__<n>__<tenant>__<tenant><dep><svc><version>__<idx>__<group>__<idx>`
 * (`VROUTER_SVC__417__acme-core-lab__acme-core-labrtr-depVROUTER_SVC2.4__0__RTR__0`).
 */
export const DEFAULT_VM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
