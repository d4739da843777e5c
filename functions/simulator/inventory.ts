import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BridgeError } from '../common/errors.js';

/**
 * The simulator's VM inventory: tenants, deployments, VM groups and VMs with a run state
 * and a monitoring flag. vmAction requests are checked and applied against it.
 *
 * Inventory JSON file format (also described in docs/simulator.md):
 *
 * ```json
 * {
 *   "tenants": [
 *     {
 *       "name": "lab-east",
 *       "tenantId": "optional 32-hex VIM project id",
 *       "deployments": [
 *         {
 *           "name": "fw-edge-dep",
 *           "depid": "optional UUID, derived from the names when absent",
 *           "vmGroups": [
 *             {
 *               "name": "FW",
 *               "vms": [
 *                 { "name": "optional ESC VM name", "vmid": "optional UUID", "hostid": "optional 56 hex",
 *                   "hostname": "optional", "state": "running", "monitored": true }
 *               ]
 *             }
 *           ]
 *         }
 *       ]
 *     }
 *   ]
 * }
 * ```
 *
 * Missing ids are derived from the names with SHA-256, so the same file always yields the
 * same ids. A missing VM name becomes `<deployment>_<group>_<index>_<uuid>` (the ESC 2.2+ form).
 */

export type VmState = 'running' | 'stopped';

export const ACTION_TYPES = ['START', 'STOP', 'REBOOT', 'ENABLE_MONITOR', 'DISABLE_MONITOR'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** One VM with the deployment context ESC puts into its notifications. */
export interface VmRecord {
  readonly name: string;
  readonly vmid: string;
  readonly hostid: string;
  readonly hostname?: string;
  readonly tenant: string;
  readonly tenantId?: string;
  readonly depname: string;
  readonly depid: string;
  readonly vmGroup: string;
  state: VmState;
  monitored: boolean;
}

const vmSeedSchema = z.object({
  name: z.string().min(1).optional(),
  vmid: z.string().min(1).optional(),
  hostid: z.string().min(1).optional(),
  hostname: z.string().min(1).optional(),
  state: z.enum(['running', 'stopped']).default('running'),
  monitored: z.boolean().default(true),
});

const inventorySeedSchema = z.object({
  tenants: z.array(
    z.object({
      name: z.string().min(1),
      tenantId: z.string().min(1).optional(),
      deployments: z.array(
        z.object({
          name: z.string().min(1),
          depid: z.string().min(1).optional(),
          vmGroups: z.array(z.object({ name: z.string().min(1), vms: z.array(vmSeedSchema) })),
        }),
      ),
    }),
  ),
});

/** Inventory description accepted by `Inventory.fromSeed` and by inventory JSON files. */
export type InventorySeed = z.input<typeof inventorySeedSchema>;

/** Raised for an inventory seed or file that cannot be used. */
export class InventoryError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super('SIMULATOR_INVENTORY_INVALID', message, { retriable: false, cause });
  }
}

/** Derives a UUID-shaped id from a label, so seeded ids are stable across runs. */
export function deterministicUuid(label: string): string {
  const hex = createHash('sha256').update(label).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Derives a 56-hex-character compute-host id (the length ESC uses) from a label. */
export function deterministicHostId(label: string): string {
  return createHash('sha224').update(label).digest('hex');
}

/** Default inventory: 2 tenants, 3 deployments, 6 VMs, one of them stopped. */
export const DEFAULT_INVENTORY_SEED: InventorySeed = {
  tenants: [
    {
      name: 'lab-east',
      tenantId: 'a3f1c2d4e5b60718293a4b5c6d7e8f90',
      deployments: [
        {
          name: 'fw-edge-dep',
          vmGroups: [{ name: 'FW', vms: [{ state: 'running' }, { state: 'running' }] }],
        },
        {
          name: 'lb-dep',
          vmGroups: [{ name: 'LB', vms: [{ state: 'running' }, { state: 'stopped' }] }],
        },
      ],
    },
    {
      name: 'ops-north',
      tenantId: 'ccc2f811597d5261bec63f3174e81780',
      deployments: [
        {
          name: 'cache-dep',
          vmGroups: [{ name: 'cache', vms: [{ state: 'running' }, { state: 'running', monitored: false }] }],
        },
      ],
    },
  ],
};

/** Outcome of checking a vmAction against the inventory. */
export type ActionCheck = { ok: true; vm: VmRecord } | { ok: false; reason: 'unknown-vm' | 'invalid-state'; message: string };

export class Inventory {
  private readonly vms = new Map<string, VmRecord>();

  private constructor(records: VmRecord[]) {
    for (const record of records) {
      if (this.vms.has(record.name)) {
        throw new InventoryError(`Inventory lists the VM name "${record.name}" twice; VM names must be unique`);
      }
      this.vms.set(record.name, record);
    }
  }

  /**
   * Builds an inventory from a seed object.
   * @throws InventoryError listing every invalid field of the seed.
   */
  static fromSeed(seed: InventorySeed = DEFAULT_INVENTORY_SEED): Inventory {
    const parsed = inventorySeedSchema.safeParse(seed);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new InventoryError(`Invalid simulator inventory: ${problems.join('; ')}`);
    }
    const records: VmRecord[] = [];
    for (const tenant of parsed.data.tenants) {
      for (const deployment of tenant.deployments) {
        const depid = deployment.depid ?? deterministicUuid(`depid:${tenant.name}/${deployment.name}`);
        for (const group of deployment.vmGroups) {
          group.vms.forEach((vm, index) => {
            const nameUuid = deterministicUuid(`name:${tenant.name}/${deployment.name}/${group.name}/${index}`);
            const name = vm.name ?? `${deployment.name}_${group.name}_${index}_${nameUuid}`;
            records.push({
              name,
              vmid: vm.vmid ?? deterministicUuid(`vmid:${name}`),
              hostid: vm.hostid ?? deterministicHostId(`host:${tenant.name}/${deployment.name}/${index % 2}`),
              ...(vm.hostname === undefined ? {} : { hostname: vm.hostname }),
              tenant: tenant.name,
              ...(tenant.tenantId === undefined ? {} : { tenantId: tenant.tenantId }),
              depname: deployment.name,
              depid,
              vmGroup: group.name,
              state: vm.state,
              monitored: vm.monitored,
            });
          });
        }
      }
    }
    return new Inventory(records);
  }

  /**
   * Reads an inventory JSON file (format in this module's header comment).
   * @throws InventoryError naming the file when it cannot be read, parsed or validated.
   */
  static async fromFile(filePath: string): Promise<Inventory> {
    let text: string;
    try {
      text = await readFile(filePath, 'utf8');
    } catch (error) {
      throw new InventoryError(`Cannot read the inventory file ${filePath}: ${(error as Error).message}`, error);
    }
    let seed: unknown;
    try {
      seed = JSON.parse(text);
    } catch (error) {
      throw new InventoryError(`Inventory file ${filePath} is not valid JSON: ${(error as Error).message}`, error);
    }
    try {
      return Inventory.fromSeed(seed as InventorySeed);
    } catch (error) {
      throw new InventoryError(`Inventory file ${filePath}: ${(error as Error).message}`, error);
    }
  }

  /** Returns the VM with this ESC name, or undefined. */
  findVm(name: string): VmRecord | undefined {
    return this.vms.get(name);
  }

  /** Returns every VM in seed order. */
  listVms(): VmRecord[] {
    return [...this.vms.values()];
  }

  /**
   * Checks whether an action may run now. STOP needs a running VM; START needs a stopped
   * one; REBOOT needs a running one. Monitor actions are accepted in any state.
   */
  checkAction(vmName: string, actionType: ActionType): ActionCheck {
    const vm = this.vms.get(vmName);
    if (vm === undefined) {
      return { ok: false, reason: 'unknown-vm', message: `VM [${vmName}] does not exist` };
    }
    if (actionType === 'STOP' && vm.state === 'stopped') {
      return { ok: false, reason: 'invalid-state', message: `VM [${vmName}] is already stopped, STOP is not allowed` };
    }
    if (actionType === 'START' && vm.state === 'running') {
      return { ok: false, reason: 'invalid-state', message: `VM [${vmName}] is already running, START is not allowed` };
    }
    if (actionType === 'REBOOT' && vm.state === 'stopped') {
      return { ok: false, reason: 'invalid-state', message: `VM [${vmName}] is stopped, REBOOT is not allowed` };
    }
    return { ok: true, vm };
  }

  /**
   * Applies an action's effect on the VM state.
   * @throws InventoryError when `checkAction` would reject the action.
   */
  applyAction(vmName: string, actionType: ActionType): VmRecord {
    const check = this.checkAction(vmName, actionType);
    if (!check.ok) {
      throw new InventoryError(check.message);
    }
    const vm = check.vm;
    switch (actionType) {
      case 'STOP':
        vm.state = 'stopped';
        break;
      case 'START':
        vm.state = 'running';
        break;
      case 'ENABLE_MONITOR':
        vm.monitored = true;
        break;
      case 'DISABLE_MONITOR':
        vm.monitored = false;
        break;
      case 'REBOOT':
        break;
    }
    return vm;
  }
}
