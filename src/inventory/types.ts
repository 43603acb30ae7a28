import type { Loc } from '../playbook/diagnostic.js';

/** Ansible's YAML inventory, loaded but not yet resolved: variable precedence and patterns work on this. */
export interface InventoryHost {
  name: string;
  /** Variables written on the host itself. */
  vars: Record<string, unknown>;
  /** Groups that list the host directly. */
  groups: string[];
  loc: Loc;
}

export interface InventoryGroup {
  name: string;
  vars: Record<string, unknown>;
  /** Hosts listed directly in this group. */
  hosts: string[];
  children: string[];
  loc: Loc;
}

export interface Inventory {
  path: string;
  file: string;
  /** In file order. */
  hosts: Map<string, InventoryHost>;
  /** Always holds `all`; in file order. */
  groups: Map<string, InventoryGroup>;
}
