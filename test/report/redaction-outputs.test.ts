import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/**
 * One rule for secrets, checked over every output runbook writes: progress and tables, diffs, JSON, JUnit,
 * the report file, the journal and its report.json, plan and plan --json.
 */

const fixtures = useLabs({ seed: 11 });

const SECRETS: Record<string, string | number> = {
  enable_password: 8642097, // a number
  snmp_community_ro: 'qxw', // 3 characters, "community" inside the name
  db_password_old: 'zq', // 2 characters, "password" not at the end
  tacacs_key_primary: 'k3y-Sekret', // the word "key" in the middle
  wifi_psk: 'psk-Value-77',
  vault_enable: 'vlt-Hidden-5',
};
const REGISTERED = 'tokvalue-98765';

function leaks(text: string): string[] {
  const found: string[] = [];
  for (const v of [...Object.values(SECRETS).map(String), REGISTERED]) {
    const hit = v.length >= 4 ? text.includes(v) : new RegExp(`(?<![A-Za-z0-9])${v}(?![A-Za-z0-9])`).test(text);
    if (hit) found.push(v);
  }
  return found;
}

describe('secrets in every output', () => {
  it('are [redacted] in stdout, tables, diffs, JSON, JUnit, report files, journal, plan, plan --json', async () => {
    const l = await fixtures.lab({ hosts: 2 });
    // The token exists only on the devices: runbook learns it is secret from the name it is registered under.
    for (const h of ['r001', 'r002']) l.writeFile(h, '/etc/api-token', `${REGISTERED}\n`);
    const dir = fixtures.tempDir('runbook-redact-');
    const vars = Object.entries(SECRETS).map(([k, v]) => `    ${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`);
    const inventory = readFileSync(l.inventoryPath, 'utf8').replace(/^  vars:\n/m, `  vars:\n${vars.join('\n')}\n`);
    writeFileSync(join(dir, 'inventory.yml'), inventory);
    mkdirSync(join(dir, 'templates'));
    writeFileSync(
      join(dir, 'templates', 'secrets.conf.njk'),
      'enable {{ enable_password }}\ncommunity {{ snmp_community_ro }} ro\n' +
        'old {{ db_password_old }}\nkey {{ tacacs_key_primary }}\n',
    );
    writeFileSync(
      join(dir, 'site.yml'),
      [
        '- name: Secrets',
        '  hosts: all',
        '  inventory: inventory.yml',
        '  tasks:',
        '    - name: Echo',
        '      command: >-',
        '        echo {{ enable_password }} {{ snmp_community_ro }} {{ db_password_old }}',
        '        {{ tacacs_key_primary }} {{ wifi_psk }} {{ vault_enable }}',
        '    - name: Fetch token',
        '      command: cat /etc/api-token',
        '      register: api_token',
        '    - name: Use token',
        '      command: echo using {{ api_token.stdout }}',
        '    - name: Push',
        '      template:',
        '        src: secrets.conf.njk',
        '        dest: "/etc/{{ snmp_community_ro }}-{{ tacacs_key_primary }}.conf"',
        '    - name: Fail loudly',
        '      command: cat /missing-{{ wifi_psk }}',
        '      ignore_errors: true',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const files = ['--junit', 'junit.xml', '--report-file', 'report.json'];
    const text = await runCli(['apply', 'site.yml', '--diff', '--verbose', '--run-dir', runs, ...files], { cwd: dir });
    expect(text.code).toBe(0);
    // The device did get the real values: only what runbook shows is redacted.
    expect(l.readFile('r001', '/etc/qxw-k3y-Sekret.conf')?.toString()).toContain('enable 8642097');
    const json = await runCli(['apply', 'site.yml', '--json', '--run-dir', runs], { cwd: dir });
    expect(json.code).toBe(0);
    const plan = await runCli(['plan', 'site.yml'], { cwd: dir });
    const planJson = await runCli(['plan', 'site.yml', '--json'], { cwd: dir });
    expect([plan.code, planJson.code]).toEqual([0, 0]);

    const journalFiles = readdirSync(join(runs, '.runbook', 'runs')).flatMap((id) =>
      ['events.jsonl', 'report.json'].map((f) => readFileSync(join(runs, '.runbook', 'runs', id, f), 'utf8')),
    );
    const outputs: Record<string, string> = {
      'apply output': text.stdout + text.stderr,
      'apply --json': json.stdout,
      junit: readFileSync(join(dir, 'junit.xml'), 'utf8'),
      'report file': readFileSync(join(dir, 'report.json'), 'utf8'),
      journal: journalFiles.join('\n'),
      plan: plan.stdout,
      'plan --json': planJson.stdout,
    };
    for (const [name, out] of Object.entries(outputs)) {
      expect(leaks(out), name).toEqual([]);
      // JUnit keeps only failures' output; every other output shows the secrets' places.
      if (name !== 'junit') expect(out, name).toContain('[redacted]');
    }
    // The diff and the registered output were shown, redacted, not dropped.
    expect(text.stdout).toMatch(/\+enable \[redacted\]/);
    expect(json.stdout).toContain('using [redacted]');
  });
});
