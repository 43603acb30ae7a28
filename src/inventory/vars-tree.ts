import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { diagnostic, type Diagnostic } from '../playbook/diagnostic.js';
import { displayPath } from '../playbook/load.js';
import type { VarsTree } from './types.js';
import { parseAnsibleYaml, readSourceText, settleValue, type ReadContext } from './files.js';

/** The extensions Ansible's vars loader tries after the bare name, in order. */
const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/**
 * `group_vars/` and `host_vars/` in `dir`, as Ansible's host_group_vars plugin reads them: for each group or
 * host, the first of `NAME`, `NAME.yml`, `NAME.yaml`, `NAME.json` that exists; a folder of that name is read
 * whole (files in name order, sub-folders recursively, hidden and `~` files skipped) and merged in order.
 * Each folder is listed once, so a 50,000-host inventory costs one lookup per host in memory, not four stats.
 */
export function readVarsTree(
  dir: string,
  groups: Iterable<string>,
  hosts: Iterable<string>,
  ctx: ReadContext,
): { tree: VarsTree; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tree: VarsTree = { dir, groups: new Map(), hosts: new Map() };
  type Into = Map<string, Record<string, unknown>>;
  const fill = (sub: 'group_vars' | 'host_vars', names: Iterable<string>, into: Into): void => {
    const folder = join(dir, sub);
    let entries: Set<string>;
    try {
      if (!statSync(folder).isDirectory()) return;
      entries = new Set(readdirSync(folder));
    } catch {
      return;
    }
    if (entries.size === 0) return;
    for (const name of names) {
      // A host named like a path (a chroot) never reads vars files, as in Ansible.
      if (name.startsWith('/')) continue;
      const files = varsFilesFor(folder, name, entries);
      if (files.length === 0) continue;
      let merged: Record<string, unknown> | undefined;
      for (const path of files) {
        const data = readVarsFile(path, ctx, diagnostics);
        if (data) merged = { ...(merged ?? {}), ...data };
      }
      if (merged) into.set(name, merged);
    }
  };
  fill('group_vars', groups, tree.groups);
  fill('host_vars', hosts, tree.hosts);
  return { tree, diagnostics };
}

function varsFilesFor(folder: string, name: string, entries: Set<string>): string[] {
  for (const ext of EXTENSIONS) {
    if (!entries.has(name + ext)) continue;
    const path = join(folder, name + ext);
    try {
      return statSync(path).isDirectory() ? filesInFolder(path) : [path];
    } catch {
      return [];
    }
  }
  return [];
}

function filesInFolder(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const path = join(folder, entry);
    const ext = extname(entry);
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (isDir) {
      if (ext === '') out.push(...filesInFolder(path));
    } else if (EXTENSIONS.includes(ext)) {
      out.push(path);
    }
  }
  return out;
}

/** One vars file: a mapping, or nothing when it is empty; anything else is a located problem. */
export function readVarsFile(
  path: string,
  ctx: ReadContext,
  diagnostics: Diagnostic[],
): Record<string, unknown> | undefined {
  const file = displayPath(path);
  const read = readSourceText(path, ctx);
  if ('diagnostic' in read) {
    diagnostics.push(read.diagnostic);
    return undefined;
  }
  const loaded = parseAnsibleYaml(read.text, file);
  if (loaded.diagnostics.length > 0) {
    diagnostics.push(...loaded.diagnostics);
    return undefined;
  }
  const value = settleValue(loaded, read.vaulted, ctx, diagnostics);
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    const why = 'a vars file must hold a mapping of variable names to values';
    diagnostics.push(diagnostic({ file, line: 1, col: 1 }, why));
    return undefined;
  }
  return value as Record<string, unknown>;
}
