import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../support/io.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-template-vars-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(playbook: string) {
  writeFileSync(join(dir, 'site.yml'), playbook);
  writeFileSync(join(dir, 'inventory.yml'), 'all:\n  hosts:\n    r1: {site: "{{ region }}-1"}\n    r2: {}\n');
  const io = memoryIo({ cwd: dir });
  const code = await main(['validate', 'site.yml', '-i', 'inventory.yml'], io);
  return { code, out: io.stdout() + io.stderr() };
}

describe('validate and variables holding templates', () => {
  it('reports an undefined name reached only through a variable, at the use, for the hosts it fails', async () => {
    const r = await validate(
      [
        '- hosts: all',
        '  gather_facts: no',
        '  vars: {region: ams, path: "/srv/{{ site }}"}',
        '  tasks:',
        '    - command: "ls {{ path }}"',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(4);
    expect(r.out).toContain('site.yml:5:16: undefined variable "site" (in the value of "path") for host r2\n');
    expect(r.out).not.toContain('for host r1');
  });

  it('accepts the same playbook once every host defines the name', async () => {
    const r = await validate(
      [
        '- hosts: all',
        '  gather_facts: no',
        '  vars: {region: ams, path: "/srv/{{ site | default(region) }}", users: [{name: "{{ region }}-a"}]}',
        '  tasks:',
        '    - command: "ls {{ path }} {{ item.name }}"',
        '      loop: "{{ users }}"',
        '',
      ].join('\n'),
    );
    expect(r.out).toContain('valid');
    expect(r.code).toBe(0);
  });
});
