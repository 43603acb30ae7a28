import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/inventory.js';
import { resolvePattern } from '../../src/inventory/patterns.js';
import type { Inventory } from '../../src/inventory/types.js';
import { runAnsible } from './ansible.js';

/**
 * Host patterns against Ansible on one inventory: IPv6 names are not split on `:`, and `[i]`, `[-i]`, `[a:b]`,
 * `[a:]` subscripts pick from a group's hosts. Both sides list the hosts; the lists must be equal in order
 * (union terms in the order written).
 */

const INVENTORY = `all:
  children:
    web:
      hosts:
        web1: {}
        web2: {}
        web3: {}
        web4: {}
    db:
      hosts:
        db1: {}
        db2: {}
    v6:
      hosts:
        "2001:db8::1": {}
        "2001:db8::2": {}
        "fe80::a:1": {}
`;

const PATTERNS = [
  '2001:db8::1',
  'fe80::a:1',
  'v6,!2001:db8::2',
  'web,!2001:db8::1',
  'all,!2001:db8::2',
  'web[0]',
  'web[1:2]',
  'web[-1]',
  'web[1:]',
  'web[2:0]',
  'web[0-1]',
  'v6[1]',
  'v6[-2]',
  'web*[1:2]',
  'web[1:],db[0]',
  'web:db',
  'web:&web[1:3]:!web[2]',
  'all:!web[0:2]',
  'web[1:2],v6[2]',
  'db[0],web[0]',
  'db:web',
  'db,web[1],v6[0]',
  'web3:web1:db',
  'db[1]:web:db[0]',
  'v6:db:&db[1]:web',
];

let dir: string;
let inventory: Inventory;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-patterns-'));
  writeFileSync(join(dir, 'inv.yml'), INVENTORY);
  const loaded = loadInventory(join(dir, 'inv.yml'));
  expect(loaded.diagnostics).toEqual([]);
  inventory = loaded.inventory!;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `ansible PATTERN --list-hosts` prints `  hosts (N):` then one indented name a line. */
async function ansibleHosts(pattern: string): Promise<string[]> {
  const r = await runAnsible('ansible', [pattern, '-i', 'inv.yml', '--list-hosts'], dir);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describe('host patterns agree with Ansible', () => {
  it.each(PATTERNS)('%s', async (pattern) => {
    const ours = resolvePattern(inventory, pattern);
    expect(ours.errors).toEqual([]);
    expect(ours.hosts).toEqual(await ansibleHosts(pattern));
  });

  it('reports an index past the end of a group as matching nothing', () => {
    expect(resolvePattern(inventory, 'db[5]').errors).toEqual([
      'host pattern "db[5]": "db[5]" matches no host or group',
    ]);
  });
});
