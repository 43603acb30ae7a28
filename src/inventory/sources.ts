import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { diagnostic, sortDiagnostics, type Diagnostic, type Loc } from '../playbook/diagnostic.js';
import { displayPath } from '../playbook/load.js';
import type { Inventory, VarsTree } from './types.js';
import { InventoryBuilder, InventoryError } from './data.js';
import { parseAnsibleYaml, readSourceText, settleValue, type ReadContext } from './files.js';
import { splitPort } from './host-pattern.js';
import { parseIni } from './ini.js';
import { readVarsTree } from './vars-tree.js';
import { parseYamlInventory, yamlInventoryProblems } from './yaml-inventory.js';

export interface Warning {
  loc: Loc;
  message: string;
}

export interface LoadedInventory {
  inventory: Inventory | null;
  diagnostics: Diagnostic[];
  warnings: Warning[];
}

/**
 * What Ansible skips when a folder is an inventory source: hidden files, the vars folders, and backup,
 * documentation and `.ini`/`.cfg`/`.retry` files (INVENTORY_IGNORE_EXTS: an `.ini` is read only when named).
 */
const IGNORED = new RegExp(
  [
    '^\\.',
    '^host_vars$',
    '^group_vars$',
    '^vars_plugins$',
    '(\\.pyc|\\.pyo|\\.swp|\\.bak|~|\\.rpm|\\.md|\\.txt|\\.rst|\\.orig|\\.ini|\\.cfg|\\.retry)$',
  ].join('|'),
);
const YAML_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/**
 * Every `-i` source merged in order into one inventory, as Ansible's InventoryManager does: files (INI or
 * YAML, told apart by content), folders (each file in name order, recursively), `host1,host2,` lists. Then
 * `group_vars/` and `host_vars/` beside each source are read for the groups and hosts found.
 *
 * `namedAt` is where the inventory was named (a play's `inventory:`): a missing file is reported there.
 */
export function loadInventorySources(
  sources: readonly string[],
  ctx: ReadContext,
  opts: { cwd?: string; namedAt?: Loc } = {},
): LoadedInventory {
  const cwd = opts.cwd ?? process.cwd();
  const builder = new InventoryBuilder();
  const diagnostics: Diagnostic[] = [];
  const warnings: Warning[] = [];
  const warn = (loc: Loc, message: string): void => void warnings.push({ loc, message });
  const absolute: string[] = [];
  const varsDirs: string[] = [];

  const parseFile = (path: string): void => {
    builder.currentSource = path;
    try {
      const fail = (loc: Loc, message: string, hint?: string): void => {
        diagnostics.push(diagnostic(loc, message, hint));
      };
      parseSourceFile(path, builder, ctx, warn, fail);
    } catch (err) {
      if (!(err instanceof InventoryError)) throw err;
      diagnostics.push(diagnostic(err.loc, err.message, err.hint));
    }
  };
  const parseFolder = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (IGNORED.test(entry)) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) parseFolder(path);
      else parseFile(path);
    }
  };

  for (const source of sources) {
    const path = resolve(cwd, source);
    if (source.includes(',') && !existsSync(path)) {
      parseHostList(source, builder);
      continue;
    }
    absolute.push(path);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      const shown = displayPath(path);
      const at = opts.namedAt ?? { file: shown, line: 1, col: 1 };
      diagnostics.push(diagnostic(at, opts.namedAt ? `inventory: no such file: ${shown}` : `no such file: ${shown}`));
      continue;
    }
    if (isDir) parseFolder(path);
    else parseFile(path);
    varsDirs.push(isDir ? path : dirname(path));
  }
  builder.currentSource = undefined;
  if (diagnostics.length > 0) return { inventory: null, diagnostics: sortDiagnostics(diagnostics), warnings };

  const first = absolute[0] ?? resolve(cwd, sources[0] ?? '.');
  const trees = readTrees(varsDirs, builder, ctx, diagnostics);
  const inventory = builder.finish(first, displayPath(first), absolute, trees);
  for (const h of inventory.hosts.values()) {
    if (inventory.groups.has(h.name)) {
      const why = `"${h.name}" is both a host and a group: host patterns could not tell them apart`;
      diagnostics.push(diagnostic(h.loc, why));
    }
  }
  return diagnostics.length > 0
    ? { inventory: null, diagnostics: sortDiagnostics(diagnostics), warnings }
    : { inventory, diagnostics: [], warnings };
}

/** group_vars/ and host_vars/ for each source directory, read once per directory however often it repeats. */
function readTrees(dirs: string[], builder: InventoryBuilder, ctx: ReadContext, diagnostics: Diagnostic[]): VarsTree[] {
  const cache = new Map<string, VarsTree>();
  return dirs.map((dir) => {
    let tree = cache.get(dir);
    if (!tree) {
      const r = readVarsTree(dir, builder.groups.keys(), builder.hosts.keys(), ctx);
      diagnostics.push(...r.diagnostics);
      cache.set(dir, (tree = r.tree));
    }
    return tree;
  });
}

/** `-i web1,web2:2222,` — Ansible's host_list source: every name ungrouped, ranges not expanded. */
function parseHostList(source: string, builder: InventoryBuilder): void {
  const at = { file: '-i', line: 1, col: 1 };
  for (const raw of source.split(',')) {
    const key = raw.trim();
    if (key === '') continue;
    const { name, port } = key.includes('[') ? { name: key, port: undefined } : splitPort(key);
    builder.addHost(name, at, 'ungrouped', port);
  }
}

/**
 * One inventory file. As in Ansible, a file whose extension YAML allows (none, .yml, .yaml, .json) is tried
 * as YAML first and read as INI when it is not a YAML mapping; any other file is INI. When both fail, the
 * error shown is the one of the format its extension promises.
 */
function parseSourceFile(
  path: string,
  builder: InventoryBuilder,
  ctx: ReadContext,
  warn: (loc: Loc, message: string) => void,
  fail: (loc: Loc, message: string, hint?: string) => void,
): void {
  const file = displayPath(path);
  const ext = extname(path);
  if (ext === '.toml') {
    const at = { file, line: 1, col: 1 };
    throw new InventoryError(at, 'TOML inventories are not supported', 'convert it to YAML or INI');
  }
  const read = readSourceText(path, ctx);
  if ('diagnostic' in read) {
    const d = read.diagnostic;
    throw new InventoryError(d, d.message, d.hint);
  }
  if (read.text.split(/\r?\n/).every((l) => /^\s*([#;].*)?$/.test(l))) {
    warn({ file, line: 1, col: 1 }, 'the inventory file is empty (only blank lines and comments)');
    return;
  }
  if (YAML_EXTENSIONS.includes(ext)) {
    const loaded = parseAnsibleYaml(read.text, file);
    const value = loaded.value;
    const isMapping =
      loaded.diagnostics.length === 0 && value !== null && typeof value === 'object' && !Array.isArray(value);
    if (isMapping) {
      const problems: Diagnostic[] = [];
      loaded.value = settleValue(loaded, read.vaulted, ctx, problems);
      problems.push(...yamlInventoryProblems(loaded));
      if (problems.length > 0) {
        for (const p of problems) fail(p, p.message, p.hint);
        return;
      }
      parseYamlInventory(loaded, builder, warn, fail);
      return;
    }
    if (ext !== '') {
      // A .yml file that is not YAML may still be INI (Ansible falls through); if it is not either, say why as YAML.
      try {
        parseIni(read.text, file, builder);
        return;
      } catch (err) {
        if (!(err instanceof InventoryError)) throw err;
        const d = loaded.diagnostics[0];
        if (d) throw new InventoryError(d, d.message, d.hint);
        throw new InventoryError({ file, line: 1, col: 1 }, 'a YAML inventory must be a mapping of group names');
      }
    }
  }
  parseIni(read.text, file, builder);
}
