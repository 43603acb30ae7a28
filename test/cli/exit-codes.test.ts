import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

const { lab, tempDir } = useLabs();

const PLAYBOOK = `- name: Guarded rollout
  hosts: all
  serial: 1
  connect_timeout: 1s
  max_fail_percentage: 0
  tasks:
    - name: Read version
      command: show version
`;

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('exit codes follow their documented meaning', () => {
  it('a budget exceeded by the only targeted host exits 2, not 3, and the recap says why', async () => {
    const fleet = await lab({ hosts: 3, faults: ['r002:hang'] });
    const dir = tempDir();
    writeFileSync(join(dir, 'site.yml'), PLAYBOOK);
    const r = await runCli([
      'apply',
      join(dir, 'site.yml'),
      '-i',
      fleet.inventoryPath,
      '--limit',
      'r002',
      '--run-dir',
      dir,
    ]);
    expect(r.code).toBe(2);
    expect(lastLine(r.stdout)).toMatch(
      new RegExp(
        /^1 host: 0 ok, 0 changed, 0 failed, 1 unreachable, 0 skipped in \S+/.source +
          / — halted: max_fail_percentage in batch 1/.source +
          /, with no host left to run/.source +
          / — exit 2: some hosts failed or were unreachable$/.source,
      ),
    );
  });

  it('a budget that leaves hosts unattempted exits 3, and the recap says so', async () => {
    const fleet = await lab({ hosts: 3, faults: ['r001:hang'] });
    const dir = tempDir();
    writeFileSync(join(dir, 'site.yml'), PLAYBOOK);
    const r = await runCli(['apply', join(dir, 'site.yml'), '-i', fleet.inventoryPath, '--run-dir', dir]);
    expect(r.code).toBe(3);
    expect(lastLine(r.stdout)).toMatch(
      / — halted: max_fail_percentage in batch 1 — exit 3: some hosts were never attempted$/,
    );
    expect(fleet.counters('r002').connections + fleet.counters('r003').connections).toBe(0);
  });
});
