import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/engine/load-plan.js';
import { useLabs } from '../support/fixtures.js';

const { tempDir } = useLabs();

function project(files: Record<string, string>): string {
  const dir = tempDir('runbook-inv-plan-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const PLAY =
  '- hosts: all\n  serial: 2\n  vars:\n    from_play: play\n  tasks:\n    - name: t\n      command: "true"\n';

describe('plans read Ansible inventories', () => {
  it('precedence: inventory < inventory group_vars < playbook group_vars < host < host_vars < play < -e', () => {
    const dir = project({
      'site.yml': PLAY,
      'inv/hosts': '[web]\nw1 v_host=inline v_hostvars=inline\nw2\nw3\n[web:vars]\nv_group=inline\nv_pb_group=inline\n',
      'inv/group_vars/web.yml': 'v_group: inventory-file\nv_pb_group: inventory-file\nfrom_play: group\n',
      'group_vars/web.yml': 'v_pb_group: playbook-file\n',
      'inv/host_vars/w1.yml': 'v_hostvars: file\nv_e: host\n',
    });
    const loaded = loadPlan({
      playbook: join(dir, 'site.yml'),
      inventory: ['inv/hosts'],
      cwd: dir,
      extraVars: { v_e: 'extra', from_play: 'extra' },
    });
    expect(loaded.diagnostics).toEqual([]);
    const vars = loaded.plan!.plays[0]!.hosts.get('w1')!.vars;
    expect(vars).toMatchObject({
      v_host: 'inline',
      v_hostvars: 'file',
      v_group: 'inventory-file',
      v_pb_group: 'playbook-file',
      v_e: 'extra',
      from_play: 'extra',
    });
  });

  it('magic variables: names, inventory and playbook dirs, check mode, play hosts, batch, groups, hostvars', () => {
    const dir = project({ 'site.yml': PLAY, 'inv/hosts': 'r1.example.net\n[web]\nw1 colour=blue\nw2\n' });
    const loaded = loadPlan({ playbook: join(dir, 'site.yml'), inventory: 'inv/hosts', cwd: dir, check: true });
    expect(loaded.diagnostics).toEqual([]);
    const play = loaded.plan!.plays[0]!;
    const r1 = play.hosts.get('r1.example.net')!.vars;
    expect(r1).toMatchObject({
      inventory_hostname: 'r1.example.net',
      inventory_hostname_short: 'r1',
      inventory_file: join(dir, 'inv/hosts'),
      inventory_dir: join(dir, 'inv'),
      playbook_dir: dir,
      ansible_check_mode: true,
      ansible_play_hosts: ['r1.example.net', 'w1', 'w2'],
      ansible_play_batch: ['r1.example.net', 'w1'],
      group_names: ['ungrouped'],
    });
    expect(play.hosts.get('w2')!.vars.ansible_play_batch).toEqual(['w2']);
    expect((r1.groups as Record<string, string[]>).ungrouped).toEqual(['r1.example.net']);
    expect((r1.groups as Record<string, string[]>).all).toEqual(['r1.example.net', 'w1', 'w2']);
    expect(typeof r1.omit).toBe('string');
    expect((r1.hostvars as Record<string, Record<string, unknown>>).w1!.colour).toBe('blue');
  });

  it('connection parameters from Ansible variables, rendered per host', () => {
    const dir = project({
      'site.yml': PLAY,
      hosts: [
        '[routers]',
        'rt1 ansible_host="{{ mgmt }}.1" ansible_port="2201" ansible_connection=ansible.builtin.paramiko ' +
          'ansible_network_os=cisco.ios.ios',
        '[routers:vars]',
        'mgmt=10.9.0',
        'ansible_become=yes',
        'ansible_become_method=enable',
        "ansible_ssh_common_args='-o ProxyJump=ops@bastion -o StrictHostKeyChecking=accept-new -o " +
          "UserKnownHostsFile=kh -o ServerAliveInterval=5'",
      ].join('\n'),
    });
    const loaded = loadPlan({ playbook: join(dir, 'site.yml'), inventory: 'hosts', cwd: dir });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.plan!.plays[0]!.hosts.get('rt1')!.connection).toMatchObject({
      host: '10.9.0.1',
      port: 2201,
      transport: 'ssh',
      networkOs: 'cisco.ios.ios',
      become: { method: 'enable', user: 'root' },
      proxyJump: 'ops@bastion',
      hostKeyChecking: 'accept-new',
      knownHosts: join(dir, 'kh'),
    });
    expect(loaded.warnings).toEqual(['ansible_ssh_common_args: -o ServerAliveInterval is not used by runbook']);
  });

  it('a connection no transport provides is a located problem, not a silent ssh', () => {
    const dir = project({ 'site.yml': PLAY, hosts: '\n[win]\nw1 ansible_connection=winrm\n' });
    const loaded = loadPlan({ playbook: join(dir, 'site.yml'), inventory: 'hosts', cwd: dir });
    expect(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`)).toEqual([
      expect.stringMatching(/^3: host w1: connection "winrm" is not one of ssh/),
    ]);
  });

  it('a bad connection variable is a located problem naming it; a vaulted value sans password names the file', () => {
    const dir = project({
      'site.yml': PLAY,
      hosts: 'h1 ansible_port=ssh\n',
      'group_vars/all.yml': 'x: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6161\n',
    });
    const loaded = loadPlan({ playbook: join(dir, 'site.yml'), inventory: 'hosts', cwd: dir });
    expect(loaded.plan).toBeNull();
    expect(loaded.diagnostics.map((d) => `${d.file.replace(`${dir}/`, '')}:${d.line}: ${d.message}`)).toEqual([
      expect.stringMatching(/^group_vars\/all\.yml:1: cannot decrypt this !vault value: /),
    ]);
    const bad = project({ 'site.yml': PLAY, hosts: 'h1 ansible_port=ssh\n' });
    const r = loadPlan({ playbook: join(bad, 'site.yml'), inventory: 'hosts', cwd: bad });
    expect(r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '1:1: host h1: ansible_port must be a whole number from 1 to 65535, not "ssh"',
    ]);
  });
});
