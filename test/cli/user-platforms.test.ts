import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { LAB_ENABLE_ENV } from '../../src/lab/lab.js';
import { ROOT, runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/**
 * A platform profile the user adds through RUNBOOK_PLATFORMS is seen alike by validate, plan and apply: here
 * `acme`, a copy of the shipped IOS profile under another name, drives the lab's IOS devices.
 */

const { lab, tempDir } = useLabs({ seed: 11 });

describe('RUNBOOK_PLATFORMS', () => {
  it('is read by validate, plan and apply alike', async () => {
    const l = await lab({ hosts: 2, platform: 'ios' });
    const platforms = tempDir('runbook-platforms-');
    const ios = readFileSync(join(ROOT, 'platforms', 'ios.yml'), 'utf8');
    writeFileSync(
      join(platforms, 'acme.yml'),
      ios.replace(/^name: ios$/m, 'name: acme').replace(/^aliases: .*\n/m, ''),
    );
    const inventory = readFileSync(l.inventoryPath, 'utf8');
    expect(inventory).toContain('ansible_network_os: ios');
    writeFileSync(l.inventoryPath, inventory.replaceAll('ansible_network_os: ios', 'ansible_network_os: acme'));
    const site = join(l.dir, 'site.yml');
    writeFileSync(
      site,
      [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - cli_command: { command: show version }',
        '      register: v',
        '    - assert: { that: "\'Cisco IOS\' in v.stdout" }',
        '',
      ].join('\n'),
    );
    const args = (command: string) => [command, site, '-i', l.inventoryPath];
    const env = { RUNBOOK_PLATFORMS: platforms, [LAB_ENABLE_ENV]: 'lab-enable' };

    // Without the folder, acme is unknown to every command that plans.
    for (const command of ['validate', 'plan']) {
      const refused = await runCli(args(command), { cwd: l.dir });
      expect(refused.code, refused.stderr).toBe(4);
      expect(refused.stdout + refused.stderr).toContain('no platform profile for network_os "acme"');
    }

    for (const command of ['validate', 'plan']) {
      const r = await runCli(args(command), { cwd: l.dir, env });
      expect(r.code, r.stderr).toBe(0);
    }
    const applied = await runCli([...args('apply'), '--json', '--run-dir', l.dir], { cwd: l.dir, env });
    expect(applied.code, applied.stderr).toBe(0);
    const report = JSON.parse(applied.stdout) as RunReport;
    expect(report.hosts.map((h) => [h.name, h.status])).toEqual([
      ['r001', 'ok'],
      ['r002', 'ok'],
    ]);
  });
});
