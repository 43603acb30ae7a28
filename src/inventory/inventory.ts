import { resolve } from 'node:path';
import { diagnostic, sortDiagnostics, type Diagnostic, type Loc } from '../playbook/diagnostic.js';
import { displayPath, loadYamlFile, type LoadedYaml, type YamlPath } from '../playbook/load.js';
import { bundledSchema, schemaDiagnostics } from '../playbook/schema.js';
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

  const { inventory, edges, rangeProblems } = build(loaded.value as YamlMap, loaded, absolute);
  const diagnostics = sortDiagnostics([...rangeProblems, ...cycleDiagnostics(inventory, edges), ...nameClashDiagnostics(inventory)]);
  return diagnostics.length > 0 ? { inventory: null, diagnostics } : { inventory, diagnostics: [] };
}

type YamlMap = Record<string, unknown>;

/** A parent → child link as written, with where the child was named, so a cycle can be pointed at. */
interface Edge {
  parent: string;
  child: string;
  loc: Loc;
}

function build(root: YamlMap, loaded: LoadedYaml, path: string): { inventory: Inventory; edges: Edge[]; rangeProblems: Diagnostic[] } {
  const hosts = new Map<string, InventoryHost>();
  const groups = new Map<string, InventoryGroup>();
  const edges: Edge[] = [];
  const rangeProblems: Diagnostic[] = [];

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
    for (const [key, hostVars] of Object.entries((g.hosts as YamlMap | null) ?? {})) {
      // Every host a range expands to points at the range key: that is the line the user wrote.
      const keyLoc = loaded.locate([...at, 'hosts', key], 'key');
      const expanded = expandHostRange(key);
      if ('problem' in expanded) {
        rangeProblems.push(diagnostic(keyLoc, expanded.problem));
        continue;
      }
      for (const hostName of expanded.hosts) {
        let host = hosts.get(hostName);
        if (!host) {
          host = { name: hostName, vars: {}, groups: [], loc: keyLoc };
          hosts.set(hostName, host);
        }
        Object.assign(host.vars, (hostVars as YamlMap | null) ?? {});
        if (!host.groups.includes(name)) host.groups.push(name);
        if (!group.hosts.includes(hostName)) group.hosts.push(hostName);
      }
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
  return { inventory: { path, file: displayPath(path), hosts, groups }, edges, rangeProblems };
}

/**
 * One range key may stand for a whole rack of devices, but a typo in it (`r[0:1000000]`) must not take the
 * process down: past this many hosts the key is refused rather than expanded.
 */
export const MAX_RANGE_HOSTS = 100_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Ansible's host ranges: `r[01:50]`, `db-[a:f]`, `r[1:10:2]`, several in one name (`r[1:2]-[a:b]`). Any `[`
 * in a host name starts a range, as in Ansible. A start written with a leading zero sets the width of every
 * number; an empty start means 0. Letters run a…z then A…Z, Ansible's order. Ansible silently yields no host
 * for a range that runs backwards; here that, like every other malformed range, is an error naming the key.
 */
export function expandHostRange(key: string): { hosts: string[] } | { problem: string } {
  if (!key.includes('[')) return { hosts: [key] };
  const say = (why: string): { problem: string } => ({ problem: `host range "${key}": ${why}` });
  // Literal text and the value lists of each range, alternating, so the product is formed once all parsed.
  const parts: string[][] = [];
  let rest = key;
  let total = 1;
  while (rest.includes('[')) {
    const open = rest.indexOf('[');
    const close = rest.indexOf(']', open);
    if (close < 0) return say('missing "]"');
    parts.push([rest.slice(0, open)]);
    const values = rangeValues(rest.slice(open + 1, close));
    if (typeof values === 'string') return say(values);
    total *= values.length;
    if (total > MAX_RANGE_HOSTS) return say(`expands to more than ${MAX_RANGE_HOSTS} hosts`);
    parts.push(values);
    rest = rest.slice(close + 1);
  }
  if (rest.includes(']')) return say('"]" without "["');
  parts.push([rest]);
  let hosts = [''];
  for (const choices of parts) hosts = hosts.flatMap((head) => choices.map((c) => head + c));
  return { hosts };
}

/** The values of one `start:end[:step]`, or why it is malformed. */
function rangeValues(spec: string): string[] | string {
  const bounds = spec.split(':');
  if (bounds.length < 2 || bounds.length > 3) return `expected [start:end] or [start:end:step], not [${spec}]`;
  const [start = '', end = '', stepText] = bounds.map((b) => b.trim());
  if (end === '') return 'the range has no end';
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) return `step "${stepText}" is not a whole number`;
    step = Number(stepText);
    if (step < 1) return 'the step must be at least 1';
  }
  const first = start === '' ? '0' : start;
  if (/^\d+$/.test(first) && /^\d+$/.test(end)) {
    const from = Number(first);
    const to = Number(end);
    if (from > to) return `start ${first} comes after end ${end}`;
    if ((to - from) / step >= MAX_RANGE_HOSTS) return `expands to more than ${MAX_RANGE_HOSTS} hosts`;
    const padded = first.length > 1 && first.startsWith('0');
    if (padded && first.length !== end.length) {
      return `a zero-padded start (${first}) needs an end of the same width, not ${end}`;
    }
    const out: string[] = [];
    for (let n = from; n <= to; n += step) out.push(padded ? String(n).padStart(first.length, '0') : String(n));
    return out;
  }
  const from = LETTERS.indexOf(first);
  const to = LETTERS.indexOf(end);
  if (first.length === 1 && end.length === 1 && from >= 0 && to >= 0) {
    if (from > to) return `start ${first} comes after end ${end}`;
    const out: string[] = [];
    for (let i = from; i <= to; i += step) out.push(LETTERS[i]!);
    return out;
  }
  return `start and end must both be numbers or both be single letters, not ${first} and ${end}`;
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
