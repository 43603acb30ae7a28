import type { Loc } from '../playbook/diagnostic.js';
import { InventoryError, type InventoryBuilder } from './data.js';
import { expandHostKey } from './host-pattern.js';
import { pythonLiteral } from '../playbook/python-literal.js';
import { shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

/**
 * Ansible's INI inventory (plugins/inventory/ini.py), line for line: hosts before any section are
 * `ungrouped`; `[g]` lists hosts with `key=value` words, `[g:vars]` one `key=value` per line, `[g:children]`
 * group names, which may be declared further down. Values go through Python's literal rules. Errors are
 * thrown as InventoryError at the offending line.
 */
export function parseIni(text: string, file: string, inv: InventoryBuilder): void {
  const at = (line: number, col = 1) => ({ file, line, col });
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state = 'hosts';
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const raw = lines[index]!;
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const col = raw.indexOf(line[0]!) + 1;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      state = section[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) {
        const hint = 'use [group], [group:vars] or [group:children]';
        throw new InventoryError(at(lineNo, col), `section [${group}:${state}] has unknown type: ${state}`, hint);
      }
      if (!inv.groups.has(group)) {
        // [g:vars] alone does not declare g; it must be declared somewhere in the file.
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, state: 'vars', parents: [] });
        inv.addGroup(group, at(lineNo, col + 1));
      }
      const waiting = pending.get(group);
      if (waiting && state !== 'vars') {
        if (waiting.state === 'children') addPendingChildren(inv, group, pending, at(lineNo, col));
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      throw new InventoryError(
        at(lineNo, col),
        `invalid section entry: '${line}'`,
        'a section is [group], [group:vars] or [group:children], with no spaces',
      );
    }

    if (state === 'hosts') {
      const split = shlexSplit(line);
      if ('problem' in split) {
        throw new InventoryError(at(lineNo, col), `cannot parse host definition '${line}': ${split.problem}`);
      }
      const [key, ...words] = split.words;
      if (key === undefined) continue;
      const expanded = expandHostKey(key);
      if ('problem' in expanded) throw new InventoryError(at(lineNo, col), expanded.problem);
      if (key.trim().endsWith(':') && expanded.port === undefined) {
        const why = `invalid host pattern '${key}': a trailing ':' is reserved for a port`;
        throw new InventoryError(at(lineNo, col), why);
      }
      if (expanded.hosts.some((h) => h.trim() === '---')) {
        const why = `invalid host pattern '${key}': '---' is normally a sign this is a YAML file`;
        throw new InventoryError(at(lineNo, col), why);
      }
      const vars: [string, unknown][] = [];
      for (const word of words) {
        const eq = word.indexOf('=');
        if (eq < 0) {
          const wordCol = raw.indexOf(word) >= 0 ? raw.indexOf(word) + 1 : col;
          throw new InventoryError(at(lineNo, wordCol), `expected key=value host variable assignment, got: ${word}`);
        }
        vars.push([word.slice(0, eq), iniValue(word.slice(eq + 1))]);
      }
      for (const name of expanded.hosts) {
        inv.addHost(name, at(lineNo, col), group, expanded.port);
        for (const [k, v] of vars) inv.setHostVar(name, k, v);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) throw new InventoryError(at(lineNo, col), `expected key=value, got: ${line}`);
      inv.setGroupVar(group, line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()));
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) throw new InventoryError(at(lineNo, col), `expected group name, got: ${line}`);
      const child = m[1]!;
      if (inv.groups.has(child)) {
        inv.addChild(group, child, at(lineNo, col));
      } else {
        const waiting = pending.get(child);
        if (waiting) waiting.parents.push(group);
        else pending.set(child, { line: lineNo, state: 'children', parents: [group] });
      }
    }
  }
  // Like Ansible, only the first unresolved reference is reported.
  for (const [name, decl] of pending) {
    if (decl.state === 'vars') {
      const why = `section [${name}:vars] not valid for undefined group: ${name}`;
      throw new InventoryError(at(decl.line), why, `declare [${name}] or list it under a [parent:children]`);
    }
    const why = `section [${decl.parents.at(-1)}:children] includes undefined group: ${name}`;
    throw new InventoryError(at(decl.line), why, `declare [${name}]`);
  }
}

function addPendingChildren(inv: InventoryBuilder, group: string, pending: Map<string, Pending>, loc: Loc): void {
  const decl = pending.get(group)!;
  for (const parent of decl.parents) {
    inv.addChild(parent, group, loc);
    const up = pending.get(parent);
    if (up && up.state === 'children') addPendingChildren(inv, parent, pending, loc);
  }
  pending.delete(group);
}

/** A value as ini.py's `_parse_value` keeps it: a Python literal when it is one, the text otherwise. */
export function iniValue(text: string): unknown {
  const lit = pythonLiteral(text);
  return lit.ok ? lit.value : text;
}
