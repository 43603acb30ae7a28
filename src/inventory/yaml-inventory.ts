import { diagnostic, type Diagnostic, type Loc } from '../playbook/diagnostic.js';
import { keyType, type LoadedYaml, type YamlPath } from '../playbook/load.js';
import { bundledSchema, schemaDiagnostics } from '../playbook/schema.js';
import { InventoryError, type InventoryBuilder } from './data.js';
import { expandHostKey } from './host-pattern.js';
import { VaultedText } from './vaulted.js';

type YamlMap = Record<string, unknown>;

const isMap = (v: unknown): v is YamlMap =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && v.constructor === Object;

const EMPTY = 'the inventory is empty: expected "all:" with hosts, vars or children';

/**
 * Ansible's YAML inventory (plugins/inventory/yaml.py): top-level keys are groups; each group may hold
 * `hosts`, `vars` and `children` mappings (a bare string stands for a one-key mapping). What Ansible skips
 * with a warning is skipped with a warning here; what it refuses is an InventoryError at the key.
 */
export function parseYamlInventory(
  loaded: LoadedYaml,
  inv: InventoryBuilder,
  warn: (loc: Loc, message: string) => void,
  fail: (loc: Loc, message: string) => void,
): void {
  const root = loaded.value;
  const top: Loc = { file: loaded.file, line: 1, col: 1 };
  if (!isMap(root)) throw new InventoryError(top, 'a YAML inventory must be a mapping of group names');
  if (Object.keys(root).length === 0) throw new InventoryError(top, EMPTY);
  if (root.plugin) {
    const at = loaded.locate(['plugin'], 'key');
    throw new InventoryError(
      at,
      'inventory plugin configurations are not supported',
      'list hosts and groups in YAML or INI',
    );
  }

  // A name YAML reads as a number (or null, or a boolean) is one Ansible refuses: `010:` is the host 8 there.
  const notText = (what: string, name: string, at: YamlPath): boolean => {
    const type = keyType(loaded, at);
    if (type === 'str') return false;
    const read = { int: 'an integer', float: 'a float', bool: 'a boolean', NoneType: 'null' }[type];
    fail(loaded.locate(at, 'key'), `${what} "${name}" is ${read} to YAML, not text, and Ansible refuses it (quote it)`);
    return true;
  };

  const parseGroup = (name: string, body: unknown, at: YamlPath): string => {
    const keyLoc = loaded.locate(at, 'key');
    notText('group', name, at);
    if (body !== null && body !== undefined && !isMap(body)) {
      warn(keyLoc, `skipping "${name}": a group must be a mapping with hosts, vars or children`);
      return name;
    }
    inv.addGroup(name, keyLoc);
    if (!body) return name;
    for (const section of ['vars', 'children', 'hosts']) {
      if (typeof body[section] === 'string') body[section] = { [body[section] as string]: null };
      const v = body[section];
      if (v !== undefined && v !== null && !isMap(v)) {
        const why = `invalid "${section}" entry for group "${name}": expected a mapping`;
        throw new InventoryError(loaded.locate([...at, section]), why);
      }
    }
    for (const [key, value] of Object.entries(body)) {
      const here = [...at, key];
      if (value === null || value === undefined) continue;
      if (!isMap(value)) {
        warn(loaded.locate(here, 'key'), `skipping key "${key}" in group "${name}": it is not a mapping`);
        continue;
      }
      if (key === 'vars') {
        for (const [k, v] of Object.entries(value)) inv.setGroupVar(name, k, v);
      } else if (key === 'children') {
        for (const [child, childBody] of Object.entries(value)) {
          const sub = parseGroup(child, childBody, [...here, child]);
          inv.addChild(name, sub, loaded.locate([...here, child], 'key'));
        }
      } else if (key === 'hosts') {
        for (const [hostKey, hostVars] of Object.entries(value)) {
          const hostLoc = loaded.locate([...here, hostKey], 'key');
          if (notText('host', hostKey, [...here, hostKey])) continue;
          const expanded = expandHostKey(hostKey);
          if ('problem' in expanded) {
            // Every malformed range is reported, not only the first: each is a line to fix.
            fail(hostLoc, expanded.problem);
            continue;
          }
          if (hostVars !== null && hostVars !== undefined && !isMap(hostVars)) {
            throw new InventoryError(hostLoc, `host "${hostKey}": its variables must be a mapping`);
          }
          for (const host of expanded.hosts) {
            inv.addHost(host, hostLoc, name, expanded.port);
            for (const [k, v] of Object.entries(hostVars ?? {})) inv.setHostVar(host, k, v);
          }
        }
      } else {
        const why =
          `skipping unexpected key ` + `"${key}" in group "${name}": only "vars", "children" and "hosts" are valid`;
        warn(loaded.locate(here, 'key'), why);
      }
    }
    return name;
  };

  for (const [name, body] of Object.entries(root)) parseGroup(name, body, [name]);
}

/**
 * The inventory schema's located problems (runbook's typed connection keys, group structure, typos with
 * suggestions), checked after Ansible's shorthands are expanded: `hosts: web1` is `hosts: {web1: null}`.
 * An encrypted value is checked as the text it stands for.
 */
export function yamlInventoryProblems(loaded: LoadedYaml): Diagnostic[] {
  const root = loaded.value;
  if (!isMap(root) || Object.keys(root).length === 0) {
    return [diagnostic({ file: loaded.file, line: 1, col: 1 }, EMPTY)];
  }
  const expand = (body: unknown): void => {
    if (!isMap(body)) return;
    for (const section of ['children', 'hosts']) {
      if (typeof body[section] === 'string') body[section] = { [body[section] as string]: null };
    }
    if (isMap(body.children)) for (const child of Object.values(body.children)) expand(child);
  };
  for (const group of Object.values(root)) expand(group);
  return schemaDiagnostics(bundledSchema('inventory'), { ...loaded, value: plainText(root) });
}

function plainText(value: unknown): unknown {
  if (value instanceof VaultedText) return value.ciphertext;
  if (Array.isArray(value)) return value.map(plainText);
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainText(v)]));
  return value;
}
