import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/inventory/connection.js';
import { InventoryVars } from '../../src/inventory/vars.js';
import type { Inventory, InventoryGroup, InventoryHost } from '../../src/inventory/types.js';

const loc = { file: 'inventory.yml', line: 1, col: 1 };
const group = (name: string, vars: Record<string, unknown>, hosts: string[], children: string[]): InventoryGroup => ({
  name,
  vars,
  hosts,
  children,
  loc,
});
const host = (name: string, groups: string[], vars: Record<string, unknown> = {}): InventoryHost => ({
  name,
  vars,
  groups,
  loc,
});

// all > edge > site_ams > r1 ; r1 is also in `zz_lab` and `aa_lab` (both directly under all, depth 1).
const inv: Inventory = {
  path: '/srv/net/inventory.yml',
  file: 'inventory.yml',
  hosts: new Map([
    ['r1', host('r1', ['site_ams', 'aa_lab', 'zz_lab'], { level: 'host' })],
    ['r2', host('r2', ['site_ams'])],
  ]),
  groups: new Map([
    ['all', group('all', { level: 'all', ntp: 'all', only_all: 1 }, [], ['edge', 'aa_lab', 'zz_lab'])],
    ['edge', group('edge', { level: 'edge', ntp: 'edge', depth_winner: 'edge' }, [], ['site_ams'])],
    ['site_ams', group('site_ams', { level: 'site', depth_winner: 'site', site: 'ams' }, ['r1', 'r2'], [])],
    ['aa_lab', group('aa_lab', { same_depth: 'aa', depth_winner: 'aa' }, ['r1'], [])],
    ['zz_lab', group('zz_lab', { same_depth: 'zz' }, ['r1'], [])],
  ]),
};

describe('variable precedence', () => {
  const iv = new InventoryVars(inv);

  it('lets host vars beat group vars, and play vars beat host vars', () => {
    expect(iv.hostVars('r1').level).toBe('host');
    expect(iv.hostVars('r2').level).toBe('site');
    expect(iv.hostVars('r1', { level: 'play' }).level).toBe('play');
  });

  it('lets a child group beat its parent, and a parent beat all', () => {
    expect(iv.hostVars('r2').ntp).toBe('edge');
    expect(iv.hostVars('r2').depth_winner).toBe('site');
    expect(iv.hostVars('r2').only_all).toBe(1);
  });

  it('orders groups of the same depth alphabetically (the later name wins)', () => {
    expect(iv.hostVars('r1').same_depth).toBe('zz');
    // aa_lab is shallower than site_ams, so the deeper group still wins.
    expect(iv.hostVars('r1').depth_winner).toBe('site');
  });

  it('adds inventory_hostname, group_names and groups', () => {
    const v = iv.hostVars('r1');
    expect(v.inventory_hostname).toBe('r1');
    expect(v.group_names).toEqual(['aa_lab', 'edge', 'zz_lab', 'site_ams']);
    expect(v.groups).toMatchObject({ all: ['r1', 'r2'], edge: ['r1', 'r2'], zz_lab: ['r1'] });
  });
});

describe('connection variables', () => {
  const ctx = { baseDir: '/srv/net', home: '/home/ops', user: 'ops' };

  it('defaults host to the host name, port 22, the current user and strict host keys', () => {
    const { connection, problems } = resolveConnection('r1', {}, ctx);
    expect(problems).toEqual([]);
    expect(connection).toEqual({
      transport: 'ssh',
      host: 'r1',
      port: 22,
      user: 'ops',
      knownHosts: '/home/ops/.ssh/known_hosts',
      hostKeyChecking: 'strict',
    });
  });

  it('reads the ansible_* aliases', () => {
    const { connection } = resolveConnection(
      'r1',
      {
        ansible_host: '198.51.100.21',
        ansible_port: 2222,
        ansible_user: 'netops',
        ansible_ssh_private_key_file: '~/.ssh/id',
      },
      ctx,
    );
    expect(connection).toMatchObject({
      host: '198.51.100.21',
      port: 2222,
      user: 'netops',
      keyFile: '/home/ops/.ssh/id',
    });
  });

  it('resolves relative key and known_hosts files against the inventory directory', () => {
    const { connection } = resolveConnection(
      'r1',
      { key_file: 'keys/id', known_hosts: 'known', password_env: 'PW', passphrase_env: 'PP' },
      ctx,
    );
    expect(connection).toMatchObject({
      keyFile: '/srv/net/keys/id',
      knownHosts: '/srv/net/known',
      passwordEnv: 'PW',
      passphraseEnv: 'PP',
    });
  });

  it('reports a port out of range and an unknown host_key_checking', () => {
    const { problems } = resolveConnection('r1', { port: 70000, host_key_checking: 'maybe' }, ctx);
    expect(problems).toEqual([
      'connection variable "port" must be a whole number from 1 to 65535, not 70000',
      'connection variable "host_key_checking" must be one of strict, accept-new, off, not "maybe"',
    ]);
  });

  it('names the transport by connection or ansible_connection, ssh by default', () => {
    const names = [{}, { ansible_connection: 'local' }, { connection: 'network_cli', ansible_connection: 'local' }].map(
      (vars) => resolveConnection('r1', vars, ctx).connection.transport,
    );
    expect(names).toEqual(['ssh', 'local', 'network_cli']);
  });

  it('reads host_key_checking: false as off', () => {
    expect(resolveConnection('r1', { host_key_checking: false }, ctx).connection.hostKeyChecking).toBe('off');
  });
});
