import { escapeXml } from '../common/xml.js';
import type { Inventory, VmRecord } from './inventory.js';
import { ESC_NAMESPACE } from './notifications.js';

/**
 * Renders a small `esc_datamodel/opdata` tree (tenants, deployments, VM groups and VM
 * instances with id, name and state), the part of ESC's operational data that maps a VM
 * name to its vmid. Filters in the `get` request are ignored.
 */
export function buildOpdataXml(inventory: Inventory): string {
  const tenants = new Map<string, Map<string, Map<string, VmRecord[]>>>();
  for (const vm of inventory.listVms()) {
    const deployments = tenants.get(vm.tenant) ?? new Map<string, Map<string, VmRecord[]>>();
    tenants.set(vm.tenant, deployments);
    const groups = deployments.get(vm.depname) ?? new Map<string, VmRecord[]>();
    deployments.set(vm.depname, groups);
    const vms = groups.get(vm.vmGroup) ?? [];
    groups.set(vm.vmGroup, vms);
    vms.push(vm);
  }

  let xml = `<esc_datamodel xmlns="${ESC_NAMESPACE}"><opdata><tenants>`;
  for (const [tenant, deployments] of tenants) {
    xml += `<tenant><name>${escapeXml(tenant)}</name>`;
    for (const [depname, groups] of deployments) {
      xml += `<deployments><deployment_name>${escapeXml(depname)}</deployment_name>`;
      for (const [group, vms] of groups) {
        xml += `<vm_group><name>${escapeXml(group)}</name>`;
        for (const vm of vms) {
          // NOTE: the state names follow ESC's *_STATE naming; the exact VM state values of a
          // real ESC were not checked.
          const state = vm.state === 'running' ? 'VM_ALIVE_STATE' : 'VM_SHUTOFF_STATE';
          xml += `<vm_instance><vm_id>${escapeXml(vm.vmid)}</vm_id><name>${escapeXml(vm.name)}</name>`
            + `<state>${state}</state></vm_instance>`;
        }
        xml += '</vm_group>';
      }
      xml += '</deployments>';
    }
    xml += '</tenant>';
  }
  return `${xml}</tenants></opdata></esc_datamodel>`;
}
