import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import type { Lab } from '../../src/lab/lab.js';
import { validateReport } from '../../src/report/json.js';
import { runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/** `runbook apply --check` and `--diff` through the real CLI, with each device's files read before and after. */

const fixtures = useLabs({ seed: 11 });

const FILES = ['/etc/snmpd.conf', '/etc/snmpd.conf.saved', '/etc/motd'];
const SECRET = 'c0mmunity-s3cret';

/**
 * r001 holds an outdated config, r002 the exact one, r003 none at all. The playbook reads (check_mode: run),
 * pushes a template carrying a secret, and saves a copy of it (a command --check must not run).
 */
async function fleet(): Promise<{ lab: Lab; dir: string; site: string; expected: (h: string) => string }> {
  const lab = await fixtures.lab({ hosts: 3 });
  const dir = fixtures.tempDir('runbook-check-');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(
    join(dir, 'templates/snmpd.conf.njk'),
    'sysName {{ inventory_hostname }}\nrocommunity {{ snmp_secret }}\nsysLocation {{ site }}\n',
  );
  const site = join(dir, 'site.yml');
  writeFileSync(
    site,
    [
      '- name: SNMP',
      '  hosts: all',
      '  vars:',
      `    snmp_secret: ${SECRET}`,
      '  tasks:',
      '    - name: Read version',
      '      command: show version',
      '      changed_when: false',
      '      check_mode: run',
      '    - name: Push snmpd.conf',
      '      template:',
      '        src: snmpd.conf.njk',
      '        dest: /etc/snmpd.conf',
      '    - name: Save config',
      '      command: cp /etc/snmpd.conf /etc/snmpd.conf.saved',
      '      changed_when: false',
      '',
    ].join('\n'),
  );
  const expected = (h: string) => `sysName ${h}\nrocommunity ${SECRET}\nsysLocation site1\n`;
  lab.writeFile('r001', '/etc/snmpd.conf', `sysName r001\nrocommunity old-community\nsysLocation site1\n`);
  lab.writeFile('r002', '/etc/snmpd.conf', expected('r002'));
  return { lab, dir, site, expected };
}

const snapshot = (lab: Lab) =>
  Object.fromEntries(
    ['r001', 'r002', 'r003'].flatMap((h) => FILES.map((f) => [`${h}:${f}`, lab.readFile(h, f)?.toString() ?? null])),
  );

describe('runbook apply --check', () => {
  it('changes no device file, runs only check_mode: run commands, reports would change / would run', async () => {
    const { lab, dir, site } = await fleet();
    const before = snapshot(lab);
    const commands = lab.fleetCounters().commands;

    const r = await runCli(['apply', site, '-i', lab.inventoryPath, '--check', '--run-dir', dir]);
    expect(r.code).toBe(0);
    expect(snapshot(lab)).toEqual(before);
    // Only "show version", once per host: the copy never reached a device.
    expect(lab.fleetCounters().commands - commands).toBe(3);

    expect(r.stdout).toMatch(/^\[\d\/3\] r001  would change  /m);
    expect(r.stdout).toMatch(/^\[\d\/3\] r002  ok {12}/m);
    expect(r.stdout).toMatch(/│ host │ batch │ status +│ reason │ would change +│ would run +│ duration │/);
    expect(r.stdout).toMatch(/│ r001 │ +1 │ would change │ +│ Push snmpd\.conf │ Save config │/);
    expect(r.stdout).toMatch(/│ r002 │ +1 │ ok +│ +│ +│ Save config │/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(
        /^3 hosts: 1 ok, 2 would change, 0 failed,/.source +
          / 0 unreachable, 0 skipped in .*/.source +
          / \(check mode: nothing was changed\) — exit 0: every host ended ok or changed$/.source,
      ),
    );

    const json = await runCli(['apply', site, '-i', lab.inventoryPath, '--check', '--json', '--run-dir', dir]);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(validateReport(report)).toEqual([]);
    expect(report.check).toBe(true);
    expect(report.hosts.map((h) => [h.name, h.status]).sort()).toEqual([
      ['r001', 'changed'],
      ['r002', 'ok'],
      ['r003', 'changed'],
    ]);
    const r1 = report.hosts.find((h) => h.name === 'r001')!;
    expect(r1.tasks.map((t) => [t.name, t.status, t.changed, t.would_run ?? false])).toEqual([
      ['Read version', 'ok', false, false],
      ['Push snmpd.conf', 'changed', true, false],
      ['Save config', 'skipped', false, true],
    ]);
    expect(snapshot(lab)).toEqual(before);
  });

  it('with --diff shows the template lines that would change, the secret redacted', async () => {
    const { lab, dir, site } = await fleet();
    const before = snapshot(lab);
    const r = await runCli(['apply', site, '-i', lab.inventoryPath, '--check', '--diff', '--run-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '── r001: /etc/snmpd.conf (Push snmpd.conf) — would change\n--- /etc/snmpd.conf\n+++ /etc/snmpd.conf\n',
    );
    expect(r.stdout).toContain('-rocommunity old-community\n+rocommunity [redacted]\n');
    expect(r.stdout).toContain('── r003: /etc/snmpd.conf (Push snmpd.conf) — would change');
    expect(r.stdout).toContain('+sysName r003\n');
    expect(r.stdout).not.toContain('── r002');
    expect(r.stdout).not.toContain(SECRET);
    // Diffs come before the tables, which still close the output.
    expect(r.stdout.indexOf('── r001')).toBeLessThan(r.stdout.indexOf('┌'));
    expect(snapshot(lab)).toEqual(before);
  });
});

describe('runbook apply --diff', () => {
  it('prints the diff of each template it changes, and changes it', async () => {
    const { lab, dir, site, expected } = await fleet();
    const r = await runCli(['apply', site, '-i', lab.inventoryPath, '--diff', '--run-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('── r001: /etc/snmpd.conf (Push snmpd.conf)\n');
    expect(r.stdout).not.toContain('would change');
    expect(r.stdout).toContain('-rocommunity old-community\n+rocommunity [redacted]\n');
    expect(r.stdout).not.toContain(SECRET);
    for (const h of ['r001', 'r002', 'r003']) {
      expect(lab.readFile(h, '/etc/snmpd.conf')?.toString()).toBe(expected(h));
      expect(lab.readFile(h, '/etc/snmpd.conf.saved')?.toString()).toBe(expected(h));
    }
    expect(r.stdout).toMatch(/│ r001 │ +1 │ changed │ +│ Push snmpd\.conf │/);
  });
});
