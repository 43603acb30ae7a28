import { existsSync, readFileSync } from 'node:fs';
import type { Loc } from '../playbook/diagnostic.js';
import type { Connection } from './connection.js';
import type { Inventory } from './types.js';

/**
 * The files a host's connection reads before it can say anything: a key file or a known_hosts named in the
 * inventory that is not there fails every connection at `apply`, so `validate` says so first. The default
 * ~/.ssh/known_hosts is not asked about: a CI machine that only validates has none, and needs none.
 */
export interface MissingFile {
  loc: Loc;
  message: string;
}

const KEY_FILE = ['key_file', 'ansible_ssh_private_key_file'];
const KNOWN_HOSTS = ['known_hosts'];

/** Where a connection variable of `host` was written: on the host, else the first group that sets it. */
function whereSet(inv: Inventory, host: string, names: string[]): Loc {
  const h = inv.hosts.get(host);
  if (h && names.some((n) => h.vars[n] !== undefined)) return h.loc;
  for (const g of inv.groups.values()) {
    if (!names.some((n) => g.vars[n] !== undefined)) continue;
    if (g.loc.file !== '') return g.loc;
    break;
  }
  // Implicit groups (`all`) carry no position: the first line that names the variable, else the file.
  const file = h?.loc.file || inv.file;
  return lineNaming(file, names) ?? { file, line: 1, col: 1 };
}

function lineNaming(file: string, names: string[]): Loc | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const key = new RegExp(`^(\\s*)(${names.join('|')})\\s*[:=]`);
  for (let i = 0; i < lines.length; i++) {
    const m = key.exec(lines[i]!);
    if (m) return { file, line: i + 1, col: m[1]!.length + 1 };
  }
  return null;
}

/**
 * Checks the hosts of one inventory; each path is looked at once, however many hosts share it (a fleet's
 * key file is usually one file for ten thousand hosts).
 */
export class ConnectionFiles {
  private readonly exists = new Map<string, boolean>();

  constructor(private readonly inv: Inventory) {}

  missing(host: string, vars: Record<string, unknown>, c: Connection): MissingFile[] {
    return missingConnectionFiles(this.inv, host, vars, c, (path) => {
      let known = this.exists.get(path);
      if (known === undefined) this.exists.set(path, (known = existsSync(path)));
      return known;
    });
  }
}

function missingConnectionFiles(
  inv: Inventory,
  host: string,
  vars: Record<string, unknown>,
  c: Connection,
  exists: (path: string) => boolean,
): MissingFile[] {
  const out: MissingFile[] = [];
  if (c.transport === 'local') return out;
  if (c.keyFile !== undefined && !exists(c.keyFile)) {
    out.push({ loc: whereSet(inv, host, KEY_FILE), message: `key_file "${c.keyFile}" does not exist` });
  }
  const named = KNOWN_HOSTS.some((n) => vars[n] !== undefined && vars[n] !== null);
  if (named && c.hostKeyChecking === 'strict' && !exists(c.knownHosts)) {
    out.push({
      loc: whereSet(inv, host, KNOWN_HOSTS),
      message:
        `known_hosts "${c.knownHosts}" does not exist: ` +
        'with host_key_checking strict every connection would be refused',
    });
  }
  return out;
}
