import { resolve } from 'node:path';
import { diagnostic, sortDiagnostics, type Diagnostic, type Loc } from './diagnostic.js';
import { displayPath, loadYamlFile, type LoadedYaml, type YamlPath } from './load.js';
import { bundledSchema, schemaDiagnostics } from './schema.js';
import type { Inventory, InventoryGroup, InventoryHost } from './types.js';

/**
 * Ansible's YAML inventory → the Inventory structure (groups, their hosts, vars and children), or located
 * diagnostics. Variable precedence and host patterns are resolved later, from this structure.
 *
 * `namedAt` is where the inventory was named (a play's `inventory:` value): a missing file is reported there,
 * since that is the line the user has to fix.
 */
export function loadInventory(path: string, namedAt?: Loc): { inventory: Inventory | null; diagnostics: Diagnostic[] } {
  const absolute = resolve(process.cwd(), path);
  const file = displayPath(absolute);
  const loaded = loadYamlFile(absolute, file);
  if (loaded.doc === undefined) {
    const why = loaded.diagnostics[0]?.message ?? `cannot read ${file}`;
    const at = namedAt ?? { file, line: 1, col: 1 };
    return { inventory: null, diagnostics: [diagnostic(at, namedAt ? `inventory: ${why}` : why)] };
  }
  if (loaded.diagnostics.length > 0) return { inventory: null, diagnostics: loaded.diagnostics };
  if (loaded.value === null || loaded.value === undefined) {
    const message = 'the inventory is empty: expected "all:" with hosts, vars or children';
    return { inventory: null, diagnostics: [diagnostic({ file, line: 1, col: 1 }, message)] };
  }
  const schemaProblems = schemaDiagnostics(bundledSchema('inventory'), loaded);
  if (schemaProblems.length > 0) return { inventory: null, diagnostics: schemaProblems };

  const { inventory, edges } = build(loaded.value as YamlMap, loaded, absolute);
  const diagnostics = sortDiagnostics([...cycleDiagnostics(inventory, edges), ...nameClashDiagnostics(inventory)]);
  return diagnostics.length > 0 ? { inventory: null, diagnostics } : { inventory, diagnostics: [] };
}

type YamlMap = Record<string, unknown>;

/** A parent → child link as written, with where the child was named, so a cycle can be pointed at. */
interface Edge {
  parent: string;
  child: string;
  loc: Loc;
}

function build(root: YamlMap, loaded: LoadedYaml, path: string): { inventory: Inventory; edges: Edge[] } {
  const hosts = new Map<string, InventoryHost>();
  const groups = new Map<string, InventoryGroup>();
  const edges: Edge[] = [];

  const groupNamed = (name: string, at: YamlPath): InventoryGroup => {
    let group = groups.get(name);
    if (!group) {
      group = { name, vars: {}, hosts: [], children: [], loc: loaded.locate(at, 'key') };
      groups.set(name, group);
    }
    return group;
  };

  // A group may be written in several places (under two parents, or again at the top level): Ansible
  // merges them, and so do we.
  const visit = (name: string, body: unknown, at: YamlPath): InventoryGroup => {
    const group = groupNamed(name, at);
    if (body === null || typeof body !== 'object') return group;
    const g = body as YamlMap;
    Object.assign(group.vars, (g.vars as YamlMap | null) ?? {});
    for (const [hostName, hostVars] of Object.entries((g.hosts as YamlMap | null) ?? {})) {
      let host = hosts.get(hostName);
      if (!host) {
        host = { name: hostName, vars: {}, groups: [], loc: loaded.locate([...at, 'hosts', hostName], 'key') };
        hosts.set(hostName, host);
      }
      Object.assign(host.vars, (hostVars as YamlMap | null) ?? {});
      if (!host.groups.includes(name)) host.groups.push(name);
      if (!group.hosts.includes(hostName)) group.hosts.push(hostName);
    }
    for (const [childName, childBody] of Object.entries((g.children as YamlMap | null) ?? {})) {
      const childAt = [...at, 'children', childName];
      edges.push({ parent: name, child: childName, loc: loaded.locate(childAt, 'key') });
      if (!group.children.includes(childName)) group.children.push(childName);
      // A child that closes a cycle is not descended into again; the cycle check reports it.
      if (!reaches(childName, name)) visit(childName, childBody, childAt);
      else groupNamed(childName, childAt);
    }
    return group;
  };

  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (g === to) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...(groups.get(g)?.children ?? []));
    }
    return false;
  };

  const all = groupNamed('all', Object.hasOwn(root, 'all') ? ['all'] : []);
  for (const [name, body] of Object.entries(root)) {
    visit(name, body, [name]);
    // Top-level groups other than `all` are children of `all`, as in Ansible.
    if (name !== 'all' && !all.children.includes(name)) all.children.push(name);
  }
  return { inventory: { path, file: displayPath(path), hosts, groups }, edges };
}

function cycleDiagnostics(inventory: Inventory, edges: Edge[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const state = new Map<string, 'active' | 'done'>();
  const trail: string[] = [];
  const walk = (name: string): void => {
    state.set(name, 'active');
    trail.push(name);
    for (const edge of edges.filter((e) => e.parent === name)) {
      const s = state.get(edge.child);
      if (s === 'active') {
        const loop = [...trail.slice(trail.indexOf(edge.child)), edge.child].join(' > ');
        out.push(diagnostic(edge.loc, `group "${edge.child}" is its own ancestor (${loop})`));
      } else if (s === undefined) {
        walk(edge.child);
      }
    }
    trail.pop();
    state.set(name, 'done');
  };
  for (const name of inventory.groups.keys()) if (!state.has(name)) walk(name);
  return out;
}

function nameClashDiagnostics(inventory: Inventory): Diagnostic[] {
  return [...inventory.hosts.values()]
    .filter((h) => inventory.groups.has(h.name))
    .map((h) => diagnostic(h.loc, `"${h.name}" is both a host and a group: host patterns could not tell them apart`));
}
