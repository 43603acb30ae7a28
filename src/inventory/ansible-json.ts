import { pyJson } from '../playbook/template/jinja-filters.js';
import { PyFloat } from '../playbook/template/python.js';
import type { Inventory } from './types.js';
import type { InventoryVars } from './vars.js';

/** Variables `ansible-inventory` never shows: Ansible sets them itself (cli/inventory.py INTERNAL_VARS). */
const INTERNAL_VARS = new Set([
  'ansible_diff_mode',
  'ansible_config_file',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_playbook_python',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'omit',
  'playbook_dir',
]);

/** A host's variables as `ansible-inventory --host` prints them. */
export function hostJson(vars: InventoryVars, host: string): Record<string, unknown> {
  const out = vars.inventoryVars(host);
  for (const k of INTERNAL_VARS) delete out[k];
  return out;
}

/** `ansible-inventory --list`: groups from `all` down with their direct hosts and children, then `_meta.hostvars`. */
export function listJson(inv: Inventory, vars: InventoryVars): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = inv.groups.get(name);
    if (!g) return;
    const entry: Record<string, unknown> = {};
    if (name !== 'all' && g.hosts.length > 0) entry.hosts = [...g.hosts];
    if (g.children.length > 0) entry.children = [...g.children];
    if (Object.keys(entry).length > 0) out[name] = entry;
    for (const child of g.children) {
      if (seen.has(child)) continue;
      format(child);
      seen.add(child);
    }
  };
  format('all');
  const hostvars: Record<string, unknown> = {};
  for (const host of inv.hosts.keys()) {
    const hv = hostJson(vars, host);
    if (Object.keys(hv).length > 0) hostvars[host] = hv;
  }
  out._meta = { hostvars };
  return out;
}

/** `ansible-inventory --graph [GROUP]`: the tree of groups under GROUP with their direct hosts. */
export function graphText(inv: Inventory, start = 'all'): string | undefined {
  if (!inv.groups.has(start)) return undefined;
  const lines: string[] = [];
  const name = (text: string, depth: number): string => (depth > 0 ? `${'  |'.repeat(depth)}--${text}` : text);
  const walk = (group: string, depth: number): void => {
    const g = inv.groups.get(group)!;
    lines.push(name(`@${group}:`, depth));
    for (const child of g.children) walk(child, depth + 1);
    if (group !== 'all') for (const h of g.hosts) lines.push(name(h, depth + 1));
  };
  walk(start, 0);
  return lines.join('\n');
}

/**
 * JSON as Python's `json.dumps(sort_keys=True, indent=4, ensure_ascii=False)` writes it, so outputs can be
 * compared as text: a float keeps its point (`1000.0`), and NaN and infinities are written as Python does.
 */
export function ansibleJsonText(value: unknown): string {
  return pyJson(asJson(value), { indent: 4, sortKeys: true, ensureAscii: false });
}

/** Values that say how they are shown in JSON (`!vault` text as `{"__ansible_vault": …}`) in that form. */
function asJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asJson);
  if (value instanceof PyFloat || value instanceof String) return value;
  if (value !== null && typeof value === 'object') {
    const shown = 'toJSON' in value && typeof value.toJSON === 'function' ? (value.toJSON() as unknown) : value;
    if (shown !== value) return asJson(shown);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = asJson(v);
    return out;
  }
  return value;
}
