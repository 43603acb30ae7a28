import type { Loc } from '../playbook/diagnostic.js';

/** Ansible's YAML inventory, loaded but not yet resolved: variable precedence and patterns work on this. */
export interface InventoryHost {
  name: string;
  /** Variables written on the host itself. */
  vars: Record<string, unknown>;
  /** Groups that list the host directly. */
  groups: string[];
  loc: Loc;
  /** The inventory source the host was first read from (its `inventory_file`). */
  source?: string;
}

export interface InventoryGroup {
  name: string;
  vars: Record<string, unknown>;
  /** Hosts listed directly in this group. */
  hosts: string[];
  children: string[];
  loc: Loc;
  /** `ansible_group_priority`: orders the vars of groups at the same depth (default 1). */
  priority?: number;
}

/** Variables read from the `group_vars/` and `host_vars/` folders of one directory. */
export interface VarsTree {
  dir: string;
  groups: Map<string, Record<string, unknown>>;
  hosts: Map<string, Record<string, unknown>>;
}

export interface Inventory {
  path: string;
  file: string;
  /** In file order. */
  hosts: Map<string, InventoryHost>;
  /** Always holds `all`; in file order. */
  groups: Map<string, InventoryGroup>;
  /** Every `-i` source as given (files or folders), absolute. */
  sources?: string[];
  /** `group_vars/`/`host_vars/` beside each source, in source order. */
  varsTrees?: VarsTree[];
}
