import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { expandHostRange, loadInventory, MAX_RANGE_HOSTS } from '../../src/inventory/inventory.js';

const EXAMPLE = new URL('../fixtures/examples/inventory.yml', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'runbook-inventory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(text: string): string {
  const file = join(dir, `inv${++counter}.yml`);
  writeFileSync(file, text);
  return file;
}

function problems(text: string): string[] {
  const { inventory, diagnostics } = loadInventory(write(text));
  expect(inventory).toBeNull();
  return diagnostics.map((d) => formatDiagnostic({ ...d, file: 'inv.yml' }));
}

function load(text: string) {
  const { inventory, diagnostics } = loadInventory(write(text));
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  return inventory!;
}

describe('the reference inventory', () => {
  const { inventory, diagnostics } = loadInventory(EXAMPLE);

  it('loads with no diagnostics', () => {
    expect(diagnostics).toEqual([]);
    expect(inventory!.path).toBe(EXAMPLE);
  });

  it('keeps hosts and groups in file order, with all first', () => {
    expect([...inventory!.hosts.keys()]).toEqual(['ams-r1', 'ams-r2', 'fra-r1', 'fra-r2']);
    // Ansible always has `ungrouped`, right after `all`.
    expect([...inventory!.groups.keys()]).toEqual(['all', 'ungrouped', 'edge', 'site_ams', 'site_fra', 'quarantine']);
  });

  it('nests groups through children', () => {
    const g = inventory!.groups;
    expect(g.get('all')!.children).toEqual(['ungrouped', 'edge', 'quarantine']);
    expect(g.get('edge')!.children).toEqual(['site_ams', 'site_fra']);
    expect(g.get('site_fra')!.hosts).toEqual(['fra-r1', 'fra-r2']);
  });

  it('keeps the vars where they were written, unresolved', () => {
    expect(inventory!.groups.get('all')!.vars).toEqual({
      user: 'netops',
      key_file: '~/.ssh/id_ed25519',
      known_hosts: '~/.ssh/known_hosts',
    });
    expect(inventory!.groups.get('site_ams')!.vars).toEqual({ site: 'ams' });
    expect(inventory!.hosts.get('fra-r1')!.vars).toEqual({ ansible_host: '198.51.100.21', ansible_port: 2222 });
  });

  it('puts a host listed with no value in a second group into both groups, keeping its vars', () => {
    const host = inventory!.hosts.get('fra-r2')!;
    expect(host.groups).toEqual(['site_fra', 'quarantine']);
    expect(host.vars).toEqual({ host: '198.51.100.22' });
    expect(host.loc).toMatchObject({ line: 21, col: 13 });
  });
});

describe('loadInventory', () => {
  it('makes top-level groups other than all children of all', () => {
    const inv = load('all:\n  hosts:\n    lone:\ncore:\n  hosts:\n    c1: {port: 2200}\n');
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'core']);
    expect(inv.groups.get('all')!.hosts).toEqual(['lone']);
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['lone']);
    expect(inv.hosts.get('c1')!.vars).toEqual({ port: 2200 });
  });

  it('creates all when the file does not name it', () => {
    const inv = load('core:\n  hosts:\n    c1:\n');
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped', 'core']);
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'core']);
  });

  it('merges a group written in two places', () => {
    const inv = load(
      'all:\n  children:\n    a:\n      children:\n        shared: {hosts: {h1: }}\n    b:\n      children:\n        ' +
        'shared: {hosts: {h2: }, vars: {x: 1}}\n',
    );
    expect(inv.groups.get('shared')).toMatchObject({ hosts: ['h1', 'h2'], vars: { x: 1 } });
    expect(inv.groups.get('a')!.children).toEqual(['shared']);
    expect(inv.groups.get('b')!.children).toEqual(['shared']);
  });

  it('refuses a group that is its own ancestor, at the edge that closes the loop in reading order', () => {
    // Ansible links children on the way back up, so b > a exists before a > b is tried.
    expect(
      problems('all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n'),
    ).toEqual(['inv.yml:5:9: group "b" cannot be a child of "a": it would be its own ancestor (b > a > b)']);
  });

  it('finds a cycle spread over separate definitions', () => {
    expect(problems('all:\n  children:\n    a:\n      children:\n        b:\nb:\n  children:\n    a:\n')).toEqual([
      'inv.yml:8:5: group "a" cannot be a child of "b": it would be its own ancestor (a > b > a)',
    ]);
  });

  it('refuses a name that is both a host and a group', () => {
    expect(problems('all:\n  children:\n    core:\n      hosts:\n        core:\n')).toEqual([
      'inv.yml:5:9: "core" is both a host and a group: host patterns could not tell them apart',
    ]);
  });

  it('keeps what Ansible keeps: a quoted port and a host written as a string', () => {
    const r = loadInventory(write('all:\n  hosts: r1\n  vars:\n    ansible_port: "22"\n'));
    expect(r.diagnostics).toEqual([]);
    expect([...r.inventory!.hosts.keys()]).toEqual(['r1']);
    expect(r.inventory!.groups.get('all')!.vars).toEqual({ ansible_port: '22' });
  });

  it('reports schema problems located, with hints', () => {
    expect(problems('all:\n  hosts:\n    r1: {port: "22", host_key_checking: maybe}\n')).toEqual([
      'inv.yml:3:16: port: expected an integer',
      'inv.yml:3:41: host_key_checking: expected one of "strict", "accept-new", "off"',
    ]);
  });

  it('reads an empty inventory as no hosts, with a warning', () => {
    const r = loadInventory(write(''));
    expect(r.diagnostics).toEqual([]);
    expect(r.inventory!.hosts.size).toBe(0);
    expect(r.warnings.map((w) => w.message)).toEqual(['the inventory file is empty (only blank lines and comments)']);
  });

  it('reports a missing file where the playbook named it', () => {
    const named = { file: 'site.yml', line: 3, col: 14 };
    const { inventory, diagnostics } = loadInventory(join(dir, 'absent.yml'), named);
    expect(inventory).toBeNull();
    expect(diagnostics).toEqual([{ ...named, message: `inventory: no such file: ${join(dir, 'absent.yml')}` }]);
  });

  it('reports a missing file at its own name when nobody named it', () => {
    const { diagnostics } = loadInventory(join(dir, 'absent.yml'));
    expect(diagnostics).toMatchObject([{ line: 1, col: 1, message: expect.stringMatching(/^no such file: /) }]);
  });
});

describe('host ranges', () => {
  const names = (key: string): string[] => {
    const out = expandHostRange(key);
    if ('problem' in out) throw new Error(out.problem);
    return out.hosts;
  };
  const problem = (key: string): string => {
    const out = expandHostRange(key);
    return 'problem' in out ? out.problem : `expanded to ${out.hosts.join(',')}`;
  };

  it('keeps the zero padding the start is written with', () => {
    const hosts = names('r[001:100]');
    expect(hosts).toHaveLength(100);
    expect(hosts.slice(0, 2)).toEqual(['r001', 'r002']);
    expect(hosts.at(-1)).toBe('r100');
  });

  it('does not pad an unpadded start', () => {
    expect(names('r[8:11]')).toEqual(['r8', 'r9', 'r10', 'r11']);
  });

  it('keeps the text after the range', () => {
    const hosts = names('www[01:50].example.com');
    expect(hosts).toHaveLength(50);
    expect(hosts[0]).toBe('www01.example.com');
    expect(hosts[49]).toBe('www50.example.com');
  });

  it('runs over letters', () => {
    expect(names('db-[a:f]')).toEqual(['db-a', 'db-b', 'db-c', 'db-d', 'db-e', 'db-f']);
  });

  it('takes a stride, for numbers and letters', () => {
    expect(names('r[1:10:2]')).toEqual(['r1', 'r3', 'r5', 'r7', 'r9']);
    expect(names('r[01:10:3]')).toEqual(['r01', 'r04', 'r07', 'r10']);
    expect(names('db-[a:e:2]')).toEqual(['db-a', 'db-c', 'db-e']);
  });

  it('starts at 0 when the start is left out, as Ansible does', () => {
    expect(names('r[:2]')).toEqual(['r0', 'r1', 'r2']);
  });

  it('expands several ranges in one name, the last varying fastest', () => {
    expect(names('ams-[1:2]-[a:b]')).toEqual(['ams-1-a', 'ams-1-b', 'ams-2-a', 'ams-2-b']);
  });

  it('leaves a name without a range alone, even one with ":"', () => {
    expect(names('fe80::1')).toEqual(['fe80::1']);
    expect(names('r1')).toEqual(['r1']);
  });

  it('refuses malformed ranges, naming the key and what is wrong', () => {
    expect(problem('r[10:1]')).toBe('host range "r[10:1]": start 10 comes after end 1');
    expect(problem('r[1:]')).toBe('host range "r[1:]": the range has no end');
    expect(problem('r[a:3]')).toBe(
      'host range "r[a:3]": start and end must both be numbers or both be single letters, not a and 3',
    );
    expect(problem('r[1:10:0]')).toBe('host range "r[1:10:0]": the step must be at least 1');
    expect(problem('r[1:10:x]')).toBe('host range "r[1:10:x]": step "x" is not a whole number');
    expect(problem('r[f:a]')).toBe('host range "r[f:a]": start f comes after end a');
    expect(problem('r[1:3')).toBe('host range "r[1:3": missing "]"');
    expect(problem('r[7]')).toBe('host range "r[7]": expected [start:end] or [start:end:step], not [7]');
    expect(problem('r[1:2:3:4]')).toBe(
      'host range "r[1:2:3:4]": expected [start:end] or [start:end:step], not [1:2:3:4]',
    );
    expect(problem('r[01:100]')).toBe(
      'host range "r[01:100]": a zero-padded start (01) needs an end of the same width, not 100',
    );
    expect(problem('r[ab:cd]')).toMatch(/both be single letters/);
  });

  it('refuses a range too large to be meant, before expanding it', () => {
    expect(problem('r[0:99999999999]')).toBe(
      `host range "r[0:99999999999]": expands to more than ${MAX_RANGE_HOSTS} hosts`,
    );
    expect(problem('r[0:999]-[0:999]')).toBe(
      `host range "r[0:999]-[0:999]": expands to more than ${MAX_RANGE_HOSTS} hosts`,
    );
  });

  it("gives every expanded host the same vars, groups and the range key's location", () => {
    const inv = load(
      'all:\n  children:\n    edge:\n      hosts:\n        lone:\n        r[01:03]: {port: 2222, site: ams}\n',
    );
    expect([...inv.hosts.keys()]).toEqual(['lone', 'r01', 'r02', 'r03']);
    expect(inv.groups.get('edge')!.hosts).toEqual(['lone', 'r01', 'r02', 'r03']);
    for (const name of ['r01', 'r02', 'r03']) {
      const host = inv.hosts.get(name)!;
      expect(host.vars).toEqual({ port: 2222, site: 'ams' });
      expect(host.groups).toEqual(['edge']);
      expect(host.loc).toMatchObject({ line: 6, col: 9 });
    }
    // Each host owns its vars: setting one host's does not leak into its siblings.
    inv.hosts.get('r01')!.vars.port = 1;
    expect(inv.hosts.get('r02')!.vars.port).toBe(2222);
  });

  it('merges an expanded host with the same host listed in another group', () => {
    const inv = load('edge:\n  hosts:\n    r[1:3]: {port: 2222}\nquarantine:\n  hosts:\n    r2: {user: ops}\n');
    expect(inv.hosts.get('r2')).toMatchObject({ groups: ['edge', 'quarantine'], vars: { port: 2222, user: 'ops' } });
    expect(inv.groups.get('quarantine')!.hosts).toEqual(['r2']);
  });

  it('reports a malformed range at its key, every one of them', () => {
    expect(
      problems('all:\n  hosts:\n    ok[1:2]:\n    r[10:1]:\ncore:\n  hosts:\n    c[1:10:0]: {port: 22}\n'),
    ).toEqual([
      'inv.yml:4:5: host range "r[10:1]": start 10 comes after end 1',
      'inv.yml:7:5: host range "c[1:10:0]": the step must be at least 1',
    ]);
  });

  it('still refuses an expanded host named like a group, at the range key', () => {
    expect(problems('all:\n  children:\n    r2:\n      hosts:\n        r[1:3]:\n')).toEqual([
      'inv.yml:5:9: "r2" is both a host and a group: host patterns could not tell them apart',
    ]);
  });
});

describe('any inventory', () => {
  const name = fc.constantFrom('all', 'edge', 'core', 'r1', 'r2', 'site_ams');
  const vars = fc.oneof(
    fc.constant(null),
    fc.dictionary(
      fc.constantFrom('host', 'port', 'user', 'host_key_checking', 'ansible_port', 'site'),
      fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.constantFrom('x', 'strict', 'off', 'accept-new')),
    ),
    fc.constant([1, 2]),
  );
  const group: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    group: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.record(
        {
          hosts: fc.oneof(fc.dictionary(name, vars, { maxKeys: 3 }), fc.constant(['r1'])),
          vars,
          children: fc.dictionary(name, tie('group'), { maxKeys: 2 }),
        },
        { requiredKeys: [] },
      ),
    ),
  })).group;

  it('yields an inventory or located one-line diagnostics, never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(name, group, { maxKeys: 3 }), vars), (doc) => {
        const { inventory, diagnostics } = loadInventory(write(YAML.stringify(doc)));
        expect(inventory === null).toBe(diagnostics.length > 0);
        for (const d of diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.message).not.toMatch(/\n|undefined|\[object/);
        }
      }),
      { numRuns: 150 },
    );
  });
});
