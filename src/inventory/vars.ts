import { dirname } from 'node:path';
import type { Inventory, VarsTree } from './types.js';

/** Ansible's inventory_hostname_short: up to the first dot, except for an IP address. */
function shortName(host: string): string {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':') ? host : host.split('.')[0]!;
}

export interface InventoryVarsOptions {
  /** `group_vars/`/`host_vars/` beside the playbook (Ansible's "play" vars plugins layer). */
  playbookTrees?: readonly VarsTree[];
  /** `-e`: above everything but the magic variables. */
  extraVars?: Record<string, unknown>;
}

/**
 * Variable precedence over an inventory, computed once per inventory so that resolving 10,000 hosts stays
 * linear. Lowest to highest, as Ansible's VariableManager: the inventory's `all` vars, its other groups'
 * vars (shallower first; same depth: by ansible_group_priority then name), `group_vars/all` beside the
 * inventory then beside the playbook, `group_vars/GROUP` likewise, the host's inventory vars, `host_vars/`
 * beside the inventory then the playbook, play vars, extra vars.
 */
export class InventoryVars {
  private readonly depth = new Map<string, number>();
  private readonly parents = new Map<string, string[]>();
  /** Group name → host names, the `groups` magic variable (shared by every host: never mutate it). */
  readonly groups: Record<string, string[]>;

  constructor(
    private readonly inv: Inventory,
    private readonly options: InventoryVarsOptions = {},
  ) {
    for (const g of inv.groups.values()) {
      for (const c of g.children) {
        const list = this.parents.get(c) ?? [];
        list.push(g.name);
        this.parents.set(c, list);
      }
    }
    for (const name of inv.groups.keys()) this.depthOf(name, new Set());
    this.groups = {};
    for (const name of inv.groups.keys()) this.groups[name] = [];
    // Walking hosts in file order keeps every member list in file order.
    for (const host of inv.hosts.keys()) for (const g of this.groupsOf(host)) (this.groups[g] ??= []).push(host);
  }

  private depthOf(name: string, visiting: Set<string>): number {
    const known = this.depth.get(name);
    if (known !== undefined) return known;
    if (name === 'all' || visiting.has(name)) return 0;
    visiting.add(name);
    const ps = this.parents.get(name) ?? [];
    // A group nobody lists as a child hangs directly under `all`.
    const d = ps.length === 0 ? 1 : Math.max(...ps.map((p) => this.depthOf(p, visiting) + 1));
    visiting.delete(name);
    this.depth.set(name, d);
    return d;
  }

  /** Every group the host belongs to, directly or through a parent, in the order their vars apply. */
  groupsOf(host: string): string[] {
    const h = this.inv.hosts.get(host);
    if (!h) return [];
    const out = new Set<string>();
    const climb = (g: string): void => {
      if (out.has(g)) return;
      out.add(g);
      for (const p of this.parents.get(g) ?? []) climb(p);
    };
    for (const g of h.groups) climb(g);
    out.delete('all');
    const priority = (g: string): number => this.inv.groups.get(g)?.priority ?? 1;
    const sorted = [...out].sort(
      (a, b) =>
        (this.depth.get(a) ?? 1) - (this.depth.get(b) ?? 1) ||
        priority(a) - priority(b) ||
        (a < b ? -1 : a > b ? 1 : 0),
    );
    return ['all', ...sorted];
  }

  /** The variables a host sees before any task ran, magic variables included. */
  hostVars(host: string, playVars: Record<string, unknown> = {}): Record<string, unknown> {
    const out = this.inventoryVars(host);
    Object.assign(out, playVars, this.options.extraVars);
    const groupNames = this.groupsOf(host);
    out.inventory_hostname = host;
    out.inventory_hostname_short = shortName(host);
    const source = this.inv.hosts.get(host)?.source;
    out.inventory_file = source ?? null;
    out.inventory_dir = source === undefined ? null : dirname(source);
    out.group_names = groupNames.filter((g) => g !== 'all');
    out.groups = this.groups;
    return out;
  }

  /** The host's variables from the inventory and the vars folders only: what `ansible-inventory --host` shows. */
  inventoryVars(host: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const groupNames = this.groupsOf(host);
    const others = groupNames.slice(1);
    const invTrees = this.inv.varsTrees ?? [];
    const playTrees = this.options.playbookTrees ?? [];
    for (const g of groupNames) Object.assign(out, this.inv.groups.get(g)?.vars);
    for (const t of invTrees) Object.assign(out, t.groups.get('all'));
    for (const t of playTrees) Object.assign(out, t.groups.get('all'));
    for (const t of invTrees) for (const g of others) Object.assign(out, t.groups.get(g));
    for (const t of playTrees) for (const g of others) Object.assign(out, t.groups.get(g));
    Object.assign(out, this.inv.hosts.get(host)?.vars);
    for (const t of invTrees) Object.assign(out, t.hosts.get(host));
    for (const t of playTrees) Object.assign(out, t.hosts.get(host));
    return out;
  }
}
