import type { Loc } from '../playbook/diagnostic.js';
import type { Inventory, InventoryGroup, InventoryHost, VarsTree } from './types.js';

/** Why a source could not be read, at the line to fix. Parsers throw it; the loader makes it a diagnostic. */
export class InventoryError extends Error {
  constructor(
    readonly loc: Loc,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * The inventory as Ansible's InventoryData builds it while sources are read: every source (INI, YAML, a
 * folder's files, several `-i`) adds groups, hosts, children and variables to one instance, and
 * `finish()` applies Ansible's reconciliation (groups without a parent go under `all`, hosts without a group
 * under `ungrouped`).
 */
export class InventoryBuilder {
  readonly groups = new Map<string, InventoryGroup>();
  readonly hosts = new Map<string, InventoryHost>();
  private readonly parents = new Map<string, string[]>();
  /** The source being read: hosts first seen in it get it as `inventory_file`. */
  currentSource: string | undefined;

  constructor() {
    const here = { file: '', line: 1, col: 1 };
    this.addGroup('all', here);
    this.addGroup('ungrouped', here);
    this.addChild('all', 'ungrouped', here);
  }

  addGroup(name: string, loc: Loc): string {
    if (!this.groups.has(name)) this.groups.set(name, { name, vars: {}, hosts: [], children: [], loc });
    return name;
  }

  /** A host (and its membership of `group`); a port written on the host line becomes its `ansible_port`. */
  addHost(name: string, loc: Loc, group?: string, port?: number): InventoryHost {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, vars: {}, groups: [], loc };
      if (this.currentSource !== undefined) host.source = this.currentSource;
      this.hosts.set(name, host);
    }
    if (port !== undefined) host.vars.ansible_port = port;
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) throw new InventoryError(loc, `could not find group ${group} in inventory`);
      // Asked of the host's few groups, not the group's hosts: a group of 100,000 hosts stays linear to build.
      if (!host.groups.includes(group)) {
        g.hosts.push(name);
        host.groups.push(group);
      }
    }
    return host;
  }

  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.groups.get(group)!;
    // Ansible keeps the priority out of the variables: it only orders groups of the same depth.
    if (key === 'ansible_group_priority') {
      const n = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
      if (Number.isInteger(n)) g.priority = n;
      return;
    }
    g.vars[key] = value;
  }

  setHostVar(host: string, key: string, value: unknown): void {
    this.hosts.get(host)!.vars[key] = value;
  }

  /** `child` (a group, or a host) under `group`; a group that would become its own ancestor is an error. */
  addChild(group: string, child: string, loc: Loc): void {
    const g = this.groups.get(group);
    if (!g) throw new InventoryError(loc, `${group} is not a known group`);
    if (this.groups.has(child)) {
      if (g.children.includes(child)) return;
      if (child === group) throw new InventoryError(loc, `group "${group}" cannot be its own child`);
      if (this.ancestors(group).has(child)) {
        const loop = [...this.pathUp(group, child).reverse(), child].join(' > ');
        const why = `group "${child}" cannot be a child of "${group}": it would be its own ancestor (${loop})`;
        throw new InventoryError(loc, why);
      }
      g.children.push(child);
      const ps = this.parents.get(child) ?? [];
      ps.push(group);
      this.parents.set(child, ps);
      return;
    }
    if (this.hosts.has(child)) {
      this.addHost(child, loc, group);
      return;
    }
    throw new InventoryError(loc, `${child} is not a known host nor group`);
  }

  /** Parent links from `from` up to its ancestor `to`, both included. */
  private pathUp(from: string, to: string): string[] {
    const via = new Map<string, string>();
    const queue = [from];
    while (queue.length > 0) {
      const g = queue.shift()!;
      if (g === to) break;
      for (const p of this.parents.get(g) ?? []) {
        if (!via.has(p) && p !== from) {
          via.set(p, g);
          queue.push(p);
        }
      }
    }
    const path = [to];
    while (path.at(-1) !== from) path.push(via.get(path.at(-1)!)!);
    return path.reverse();
  }

  ancestors(group: string): Set<string> {
    const out = new Set<string>();
    const stack = [...(this.parents.get(group) ?? [])];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (out.has(p)) continue;
      out.add(p);
      stack.push(...(this.parents.get(p) ?? []));
    }
    return out;
  }

  /** Ansible's reconcile_inventory, run once after every source was read. */
  finish(path: string, file: string, sources: string[], varsTrees: VarsTree[]): Inventory {
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    for (const name of this.groups.keys()) {
      if (name !== 'all' && (this.parents.get(name) ?? []).length === 0) {
        all.children.push(name);
        this.parents.set(name, ['all']);
      }
    }
    for (const host of this.hosts.values()) {
      const elsewhere = host.groups.some((g) => g !== 'all' && g !== 'ungrouped');
      if (host.groups.includes('ungrouped')) {
        // A host listed before any section and again in a group belongs to that group only.
        if (elsewhere) {
          host.groups = host.groups.filter((g) => g !== 'ungrouped');
          ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host.name);
        }
      } else if (!elsewhere) {
        host.groups.push('ungrouped');
        ungrouped.hosts.push(host.name);
      }
    }
    return { path, file, hosts: this.hosts, groups: this.groups, sources, varsTrees };
  }
}
