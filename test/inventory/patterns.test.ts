import { describe, expect, it } from 'vitest';
import { parsePattern, resolvePattern, selectHosts } from '../../src/inventory/patterns.js';
import type { Inventory, InventoryGroup, InventoryHost } from '../../src/inventory/types.js';

const loc = { file: 'inventory.yml', line: 1, col: 1 };

/** groups: name → [hosts, children]; hosts appear in file order of first mention. */
function inventory(groups: Record<string, [string[], string[]]>): Inventory {
  const hosts = new Map<string, InventoryHost>();
  const gs = new Map<string, InventoryGroup>();
  gs.set('all', { name: 'all', vars: {}, hosts: [], children: [], loc });
  for (const [name, [hs, children]] of Object.entries(groups)) {
    const g = gs.get(name) ?? { name, vars: {}, hosts: [], children: [], loc };
    g.hosts.push(...hs);
    g.children.push(...children);
    gs.set(name, g);
    for (const h of hs) {
      const host = hosts.get(h) ?? { name: h, vars: {}, groups: [], loc };
      host.groups.push(name);
      hosts.set(h, host);
    }
  }
  return { path: '/x/inventory.yml', file: 'inventory.yml', hosts, groups: gs };
}

const inv = inventory({
  all: [[], ['edge', 'quarantine', 'core']],
  edge: [[], ['site_ams', 'site_fra']],
  site_ams: [['ams-r0', 'ams-r1'], []],
  site_fra: [['fra-r0', 'fra-r1'], []],
  quarantine: [['fra-r1'], []],
  core: [['core-r0'], []],
  empty: [[], []],
});

describe('host patterns', () => {
  it('names a host, a group (with its child groups) and all', () => {
    expect(resolvePattern(inv, 'fra-r0').hosts).toEqual(['fra-r0']);
    expect(resolvePattern(inv, 'edge').hosts).toEqual(['ams-r0', 'ams-r1', 'fra-r0', 'fra-r1']);
    expect(resolvePattern(inv, 'all').hosts).toEqual(['ams-r0', 'ams-r1', 'fra-r0', 'fra-r1', 'core-r0']);
    expect(resolvePattern(inv, '*').hosts).toHaveLength(5);
  });

  it('matches globs against host and group names', () => {
    expect(resolvePattern(inv, '*-r0').hosts).toEqual(['ams-r0', 'fra-r0', 'core-r0']);
    expect(resolvePattern(inv, 'fra*').hosts).toEqual(['fra-r0', 'fra-r1']);
    expect(resolvePattern(inv, 'site_*').hosts).toEqual(['ams-r0', 'ams-r1', 'fra-r0', 'fra-r1']);
  });

  it('unions with ":" and ",", listing the terms in the order written, as Ansible does', () => {
    expect(resolvePattern(inv, 'core:site_ams').hosts).toEqual(['core-r0', 'ams-r0', 'ams-r1']);
    expect(resolvePattern(inv, 'core,fra-r0').hosts).toEqual(['core-r0', 'fra-r0']);
  });

  it('intersects with ":&" and excludes with ":!"', () => {
    expect(resolvePattern(inv, 'edge:&quarantine').hosts).toEqual(['fra-r1']);
    expect(resolvePattern(inv, 'edge:!quarantine').hosts).toEqual(['ams-r0', 'ams-r1', 'fra-r0']);
  });

  it('applies unions, then intersections, then exclusions whatever the written order', () => {
    // Left to right this would exclude fra-r1 before core re-added nothing; Ansible's order gives the same
    // set for any permutation.
    const a = resolvePattern(inv, '!quarantine:edge:core').hosts;
    const b = resolvePattern(inv, 'edge:!quarantine:core').hosts;
    expect(a).toEqual(['ams-r0', 'ams-r1', 'fra-r0', 'core-r0']);
    expect(b).toEqual(a);
    expect(resolvePattern(inv, '&site_fra:all').hosts).toEqual(['fra-r0', 'fra-r1']);
  });

  it('names the term that matches nothing', () => {
    expect(resolvePattern(inv, 'edge:&nosuch').errors).toEqual([
      'host pattern "edge:&nosuch": "&nosuch" matches no host or group',
    ]);
    expect(resolvePattern(inv, 'zzz*').errors).toEqual(['host pattern "zzz*": "zzz*" matches no host or group']);
  });

  it('accepts an existing empty group as a term', () => {
    expect(resolvePattern(inv, 'edge:!empty')).toEqual({ hosts: ['ams-r0', 'ams-r1', 'fra-r0', 'fra-r1'], errors: [] });
  });

  it('narrows a play with --limit', () => {
    expect(selectHosts(inv, 'edge', 'fra*').hosts).toEqual(['fra-r0', 'fra-r1']);
    expect(selectHosts(inv, 'edge', 'core').hosts).toEqual([]);
    expect(selectHosts(inv, 'edge', 'nope').limitErrors).toEqual(['--limit "nope": "nope" matches no host or group']);
  });

  it('parses term operators', () => {
    expect(parsePattern('a:&b:!c')).toEqual([
      { op: 'union', text: 'a' },
      { op: 'intersect', text: 'b' },
      { op: 'exclude', text: 'c' },
    ]);
  });

  it('splits on commas only when there is one, as Ansible does', () => {
    expect(parsePattern('a:b,!c[1:2]').map((t) => t.text)).toEqual(['a:b', 'c[1:2]']);
    expect(parsePattern('fe80::1').map((t) => t.text)).toEqual(['fe80::1']);
    expect(parsePattern('web[1:2]:db').map((t) => t.text)).toEqual(['web[1:2]', 'db']);
  });
});
