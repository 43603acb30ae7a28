import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/lab/lab.js';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const { tempDir } = useLabs();

describe('runbook validate reports every problem at once', () => {
  it('a schema error no longer hides the inventory and template problems of the same playbook', async () => {
    const r = await runCli(['validate', 'test/fixtures/invalid/every-stage-at-once/site.yml']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe(
      [
        'test/fixtures/invalid/every-stage-at-once/edge.yml:5:9: host range "r[1:]": the range has no end',
        'test/fixtures/invalid/every-stage-at-once/site.yml:5:3: unknown key "serail" (did you mean "serial"?)',
        'test/fixtures/invalid/every-stage-at-once/templates/' +
          'ntp.conf.njk:1:11: undefined variable "ntp_server" for host c1',
        '3 problems in 3 files',
        '',
      ].join('\n'),
    );
  });

  it('warns, at the line that names them, about the key file and known_hosts of a lab that has stopped', async () => {
    const dir = tempDir();
    const lab = await startLab({ hosts: 3, inventoryOut: join(dir, 'lab.yml') });
    await lab.stop();
    const r = await runCli(['validate', join(ROOT, 'playbooks/site.yml'), '-i', join(dir, 'lab.yml')]);
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toEqual([
      `warning: ${dir}/lab.yml:5:5: key_file "${lab.keyPath}" does not exist for host r001 (and 2 other hosts)`,
      `warning: ${dir}/lab.yml:6:5: known_hosts "${lab.knownHostsPath}"` +
        ' does not exist: with host_key_checking strict' +
        ' every connection would be refused for host r001 (and 2 other hosts)',
    ]);
  });

  it('renders no template for a host whose when is false, unless the when reads registered results', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates/spoke.njk'), 'tunnel to {{ hub_address }}\n');
    writeFileSync(join(dir, 'templates/after.njk'), 'after {{ hub_address }}\n');
    writeFileSync(
      join(dir, 'inventory.yml'),
      'all:\n  hosts:\n    hub1: { host: 127.0.0.1, role: hub }\n' +
        '    spoke1: { host: 127.0.0.1, role: spoke, hub_address: 192.0.2.1 }\n',
    );
    const spokeOnly = [
      '- name: Tunnels',
      '  hosts: all',
      '  inventory: inventory.yml',
      '  tasks:',
      '    - name: Read version',
      '      command: show version',
      '      register: version',
      '    - name: Spoke tunnel',
      '      template: { src: spoke.njk, dest: /etc/tunnel }',
      "      when: role == 'spoke'",
      '',
    ].join('\n');
    writeFileSync(join(dir, 'site.yml'), spokeOnly);
    const valid = await runCli(['validate', join(dir, 'site.yml')]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toBe('');
    const plan = await runCli(['plan', join(dir, 'site.yml')]);
    expect(plan.stdout).toContain(
      '  host: hub1\n    1. Read version\n         $ show version\n' +
        "    2. Spoke tunnel  [when: role == 'spoke']\n         skipped: its when is false for these hosts\n",
    );
    expect(plan.stdout).toContain(
      '  host: spoke1\n    1. Read version  (as above)\n' +
        "    2. Spoke tunnel  [when: role == 'spoke']\n" +
        '         template spoke.njk -> /etc/tunnel\n         | tunnel to 192.0.2.1\n',
    );

    writeFileSync(
      join(dir, 'site.yml'),
      `${spokeOnly}    - name: After the version\n      template: { src: after.njk, dest: /etc/after }\n` +
        `      when: version.rc == 0\n`,
    );
    const r = await runCli(['validate', join(dir, 'site.yml')]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe(
      `${dir}/templates/after.njk:1:10: undefined variable "hub_address" for host hub1\n1 problem in 1 file\n`,
    );
  });
});
