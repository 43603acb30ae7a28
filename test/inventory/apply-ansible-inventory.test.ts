import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';
import { runAnsible } from './ansible.js';

/**
 * An inventory as an Ansible user keeps it (INI, group_vars/ with an ansible-vault file, host_vars/,
 * templated ansible_host, ssh arguments) driving a real run over SSH against the lab.
 */
const { lab } = useLabs({ seed: 3 });

describe('apply with an Ansible inventory', () => {
  it('connects with a vaulted password, templated address, ssh-args known_hosts; never shows the secret', async () => {
    const password = 'vaulted-lab-password-42';
    const l = await lab({ hosts: 3, password });
    const dir = join(l.dir, 'project');
    mkdirSync(join(dir, 'inventory', 'group_vars', 'all'), { recursive: true });
    mkdirSync(join(dir, 'inventory', 'host_vars'), { recursive: true });
    const lines = ['[edge]'];
    for (const h of l.hosts) lines.push(`${h.name}.lab.example ansible_port=${h.port}`);
    lines.push('[edge:vars]', 'mgmt_prefix=127.0.0', 'ansible_host="{{ mgmt_prefix }}.1"');
    writeFileSync(join(dir, 'inventory', 'hosts'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'inventory', 'group_vars', 'all', 'connection.yml'),
      `ansible_user: netops\nansible_ssh_common_args: "-o ` +
        `UserKnownHostsFile=${l.knownHostsPath} -o StrictHostKeyChecking=yes"\n`,
    );
    writeFileSync(join(dir, 'inventory', 'group_vars', 'all', 'vault.yml'), `ansible_password: ${password}\n`);
    writeFileSync(join(dir, 'inventory', 'host_vars', `${l.hosts[0]!.name}.lab.example.yml`), 'role: first\n');
    writeFileSync(join(dir, 'vault-pass'), 'correct horse\n');
    const encrypted = await runAnsible(
      'ansible-vault',
      ['encrypt', '--vault-password-file', 'vault-pass', 'inventory/group_vars/all/vault.yml'],
      dir,
    );
    expect(encrypted.code, encrypted.stderr).toBe(0);
    expect(readFileSync(join(dir, 'inventory', 'group_vars', 'all', 'vault.yml'), 'utf8')).toMatch(
      /^\$ANSIBLE_VAULT;1\.1;AES256/,
    );
    writeFileSync(
      join(dir, 'site.yml'),
      [
        '- name: Say hello',
        '  hosts: edge',
        '  tasks:',
        '    - name: Echo',
        "      command: \"echo {{ greeting }} {{ inventory_hostname_short }} {{ role | default('other') }} {{ " +
          'ansible_play_hosts | length }} {{ groups.all | length }} {{ hostvars[ansible_play_hosts[0]].role }}"',
        '',
      ].join('\n'),
    );

    const r = await runCli(
      [
        'apply',
        'site.yml',
        '-i',
        'inventory',
        '-e',
        'greeting=hello',
        '--vault-password-file',
        'vault-pass',
        '--json',
        '-f',
        '2',
      ],
      { cwd: dir, env: { SSH_AUTH_SOCK: '' } },
    );
    expect(r.stderr).not.toContain(password);
    expect(r.stdout).not.toContain(password);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { hosts: { name: string; status: string; tasks: { stdout: string }[] }[] };
    expect(report.hosts.map((h) => [h.name, h.status])).toEqual(
      l.hosts.map((h) => [`${h.name}.lab.example`, 'changed']),
    );
    expect(report.hosts.map((h) => h.tasks[0]!.stdout.trim())).toEqual(
      l.hosts.map((h, i) => `hello ${h.name} ${i === 0 ? 'first' : 'other'} 3 3 first`),
    );
    // Secrets from the vault are not "plain text in the inventory": no warning for them.
    expect(r.stderr).not.toMatch(/plain text/);
  });

  it('a plaintext ansible_password works with one warning; an unknown ansible_* variable is named once', async () => {
    const l = await lab({ hosts: 2, password: 'plain-lab-password' });
    const dir = join(l.dir, 'plain');
    mkdirSync(dir);
    const lines = [
      '[all:vars]',
      'ansible_user=netops',
      'ansible_password=plain-lab-password',
      'ansible_shell_type=csh',
    ];
    lines.push(`ansible_ssh_extra_args='-o UserKnownHostsFile=${l.knownHostsPath}'`, '[lab]');
    for (const h of l.hosts) lines.push(`${h.name} ansible_ssh_host=127.0.0.1 ansible_ssh_port=${h.port}`);
    writeFileSync(join(dir, 'hosts.ini'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'site.yml'), '- hosts: lab\n  tasks:\n    - name: Who\n      command: whoami\n');
    const r = await runCli(['apply', 'site.yml', '-i', 'hosts.ini', '--json'], {
      cwd: dir,
      env: { SSH_AUTH_SOCK: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/warning: .*plain text/g)).toHaveLength(1);
    expect(r.stderr.match(/warning: ansible_shell_type is not used by runbook/g)).toHaveLength(1);
    expect(r.stderr).not.toContain('plain-lab-password');
    expect(r.stdout).not.toContain('plain-lab-password');
  });
});
