import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** YAML merge keys (`<<: *defaults`) apply as Ansible applies them, in inventories and playbooks. */

let dir: string;
const INVENTORY = `all:
  vars:
    base: &defaults
      ansible_port: 2222
      ansible_user: admin
      role: edge
  hosts:
    r1:
      <<: *defaults
      ansible_host: 192.0.2.1
      role: core
    r2:
      <<: [*defaults]
      ansible_host: 192.0.2.2
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-merge-'));
  writeFileSync(join(dir, 'inv.yml'), INVENTORY);
  writeFileSync(
    join(dir, 'site.yml'),
    '- hosts: all\n  inventory: inv.yml\n  vars:\n    common: &c { ntp: 192.0.2.9, dns: 192.0.2.53 }\n' +
      '    site: { <<: *c, dns: 192.0.2.54 }\n  tasks:\n    - command: echo {{ site.ntp }} {{ site.dns }}\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('YAML merge keys', () => {
  it('give every host the variables ansible-inventory gives it, and no variable named "<<"', async () => {
    const hostvars = (json: string) =>
      (JSON.parse(json) as { _meta: { hostvars: Record<string, unknown> } })._meta.hostvars;
    const ansible = execFileSync('ansible-inventory', ['-i', join(dir, 'inv.yml'), '--list'], {
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ours = await runCli(['inventory', '--list', '-i', 'inv.yml'], { cwd: dir });
    expect(ours.code).toBe(0);
    expect(hostvars(ours.stdout)).toEqual(hostvars(ansible));
    expect(ours.stdout).not.toContain('"<<"');
  });

  it('apply in playbook variables', async () => {
    const r = await runCli(['plan', 'site.yml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ echo 192.0.2.9 192.0.2.54');
  });
});
