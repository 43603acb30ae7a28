import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadYamlText } from '../../src/playbook/load.js';
import { runCli } from '../support/cli.js';

/**
 * A host is called what the inventory wrote when YAML reads its key as text (`1e3`, `"010"`); a key YAML reads
 * as a number, null or a boolean is refused at its place, as ansible-inventory refuses it ("Host pattern 16
 * must be a string").
 */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-names-'));
  writeFileSync(
    join(dir, 'numbers.yml'),
    'all:\n  hosts:\n    0x10: {}\n    1e3: {}\n    null: {}\n    010: {}\n    1.0: {}\n',
  );
  writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    "0x10": {}\n    1e3: {}\n    "010": {}\n');
  const play = '- hosts: "0x10:1e3"\n  inventory: inv.yml\n  tasks:\n    - command: echo {{ inventory_hostname }}\n';
  writeFileSync(join(dir, 'site.yml'), play);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host names written as YAML numbers or specials', () => {
  it('are refused where YAML reads no text, each at its key', async () => {
    const r = await runCli(['inventory', '--list', '-i', 'numbers.yml'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'numbers.yml:3:5: host "0x10" is an integer to YAML, not text, and Ansible refuses it (quote it)',
      'numbers.yml:5:5: host "null" is null to YAML, not text, and Ansible refuses it (quote it)',
      'numbers.yml:6:5: host "010" is an integer to YAML, not text, and Ansible refuses it (quote it)',
      'numbers.yml:7:5: host "1.0" is a float to YAML, not text, and Ansible refuses it (quote it)',
    ]);
  });

  it('keep their source text when quoted, or when YAML reads them as text', async () => {
    const r = await runCli(['inventory', '--list', '-i', 'inv.yml'], { cwd: dir });
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as { ungrouped: { hosts: string[] } };
    expect(listed.ungrouped.hosts).toEqual(['0x10', '1e3', '010']);
  });

  it('are matched by patterns under those names', async () => {
    // The JSON plan has every host's own command (the text plan shows hosts differing only by name once).
    const r = await runCli(['plan', 'site.yml', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"command": "echo 0x10"');
    expect(r.stdout).toContain('"command": "echo 1e3"');
  });

  it('count as duplicates of the same text quoted', () => {
    const loaded = loadYamlText('hosts:\n  1: {}\n  "1": {}\n', 'inv.yml');
    expect(loaded.diagnostics.map((d) => d.message)).toEqual(['duplicate key "1"']);
  });
});
