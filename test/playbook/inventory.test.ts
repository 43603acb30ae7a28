import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { loadInventory } from '../../src/playbook/inventory.js';

const EXAMPLE = new URL('../../../shared/examples/inventory.yml', import.meta.url).pathname;
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
    expect([...inventory!.groups.keys()]).toEqual(['all', 'edge', 'site_ams', 'site_fra', 'quarantine']);
  });

  it('nests groups through children', () => {
    const g = inventory!.groups;
    expect(g.get('all')!.children).toEqual(['edge', 'quarantine']);
    expect(g.get('edge')!.children).toEqual(['site_ams', 'site_fra']);
    expect(g.get('site_fra')!.hosts).toEqual(['fra-r1', 'fra-r2']);
  });

  it('keeps the vars where they were written, unresolved', () => {
    expect(inventory!.groups.get('all')!.vars).toEqual({ user: 'netops', key_file: '~/.ssh/id_ed25519', known_hosts: '~/.ssh/known_hosts' });
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
    expect(inv.groups.get('all')!.children).toEqual(['core']);
    expect(inv.groups.get('all')!.hosts).toEqual(['lone']);
    expect(inv.hosts.get('c1')!.vars).toEqual({ port: 2200 });
  });

  it('creates all when the file does not name it', () => {
    const inv = load('core:\n  hosts:\n    c1:\n');
    expect([...inv.groups.keys()]).toEqual(['all', 'core']);
    expect(inv.groups.get('all')!.children).toEqual(['core']);
  });

  it('merges a group written in two places', () => {
    const inv = load('all:\n  children:\n    a:\n      children:\n        shared: {hosts: {h1: }}\n    b:\n      children:\n        shared: {hosts: {h2: }, vars: {x: 1}}\n');
    expect(inv.groups.get('shared')).toMatchObject({ hosts: ['h1', 'h2'], vars: { x: 1 } });
    expect(inv.groups.get('a')!.children).toEqual(['shared']);
    expect(inv.groups.get('b')!.children).toEqual(['shared']);
  });

  it('refuses a group that is its own ancestor, at the child that closes the loop', () => {
    expect(problems('all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n')).toEqual([
      'inv.yml:7:13: group "a" is its own ancestor (a > b > a)',
    ]);
  });

  it('finds a cycle spread over separate definitions', () => {
    expect(problems('all:\n  children:\n    a:\n      children:\n        b:\nb:\n  children:\n    a:\n')).toEqual([
      'inv.yml:8:5: group "a" is its own ancestor (a > b > a)',
    ]);
  });

  it('refuses a name that is both a host and a group', () => {
    expect(problems('all:\n  children:\n    core:\n      hosts:\n        core:\n')).toEqual([
      'inv.yml:5:9: "core" is both a host and a group: host patterns could not tell them apart',
    ]);
  });

  it('reports schema problems located, with hints', () => {
    expect(problems('all:\n  hosts:\n    r1: {port: "22", host_key_checking: maybe}\n')).toEqual([
      'inv.yml:3:16: port: expected an integer',
      'inv.yml:3:41: host_key_checking: expected one of "strict", "accept-new", "off"',
    ]);
  });

  it('reports an empty inventory', () => {
    expect(problems('')).toEqual(['inv.yml:1:1: the inventory is empty: expected "all:" with hosts, vars or children']);
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

describe('any inventory', () => {
  const name = fc.constantFrom('all', 'edge', 'core', 'r1', 'r2', 'site_ams');
  const vars = fc.oneof(
    fc.constant(null),
    fc.dictionary(fc.constantFrom('host', 'port', 'user', 'host_key_checking', 'ansible_port', 'site'), fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.constantFrom('x', 'strict', 'off', 'accept-new'))),
    fc.constant([1, 2]),
  );
  const group: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    group: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.record({ hosts: fc.oneof(fc.dictionary(name, vars, { maxKeys: 3 }), fc.constant(['r1'])), vars, children: fc.dictionary(name, tie('group'), { maxKeys: 2 }) }, { requiredKeys: [] }),
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
