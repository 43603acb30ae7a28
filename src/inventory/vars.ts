import type { Inventory } from './types.js';

/**
 * Variable precedence over an inventory, computed once per inventory so that resolving 10,000 hosts stays
 * linear. Lowest to highest: `all`, parent groups, child groups (deeper wins; same depth: alphabetical, as in
 * Ansible), host vars, play vars.
 */
export class InventoryVars {
  private readonly depth = new Map<string, number>();
  private readonly parents = new Map<string, string[]>();
  /** Group name → host names, the `groups` magic variable (shared by every host: never mutate it). */
  readonly groups: Record<string, string[]>;

  constructor(private readonly inv: Inventory) {
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
    const sorted = [...out].sort((a, b) => (this.depth.get(a) ?? 1) - (this.depth.get(b) ?? 1) || (a < b ? -1 : a > b ? 1 : 0));
    return ['all', ...sorted];
  }

  /** The variables a host sees before any task ran, magic variables included. */
  hostVars(host: string, playVars: Record<string, unknown> = {}): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const groupNames = this.groupsOf(host);
    for (const g of groupNames) Object.assign(out, this.inv.groups.get(g)?.vars);
    Object.assign(out, this.inv.hosts.get(host)?.vars);
    Object.assign(out, playVars);
    out.inventory_hostname = host;
    out.group_names = groupNames.filter((g) => g !== 'all');
    out.groups = this.groups;
    return out;
  }
}
