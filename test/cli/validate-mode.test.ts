import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../support/io.js';

/**
 * ansible-lint's risky-octal, said by validate: an unquoted mode without a leading zero is a decimal number,
 * which Ansible applies as permission bits all the same (`644` is mode 01204). A warning, located, that leaves
 * the exit status alone; the forms that say what they mean are not warned about.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-validate-mode-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 't.j2'), 'x\n');
  mkdirSync(join(dir, 'tasks'));
  writeFileSync(join(dir, 'tasks', 'more.yml'), '- file: {path: /tmp/d, state: directory, mode: 755}\n');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function validate(site: string) {
  writeFileSync(join(dir, 'site.yml'), site);
  const io = memoryIo({ cwd: dir });
  const code = await main(['validate', 'site.yml'], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('validate on a numeric mode', () => {
  it('warns at each mode written as a decimal number, and the playbook stays valid', async () => {
    const r = await validate(
      [
        '- hosts: localhost',
        '  gather_facts: no',
        '  tasks:',
        '    - copy: {content: x, dest: /tmp/a, mode: 644}',
        '    - template: {src: t.j2, dest: /tmp/b, mode: 420}',
        '    - copy: {content: x, dest: /tmp/c/, directory_mode: 750}',
        '    - import_tasks: tasks/more.yml',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning: '))).toEqual([
      `warning: ${dir}/site.yml:4:46: mode 644 is the decimal number 644 (mode 01204), as Ansible reads it; ` +
        "write '0644'",
      // The digits written are taken as the octal digits meant, as for 644; the mode it sets is a plain one.
      `warning: ${dir}/site.yml:5:49: mode 420 is the decimal number 420 (mode 0644), as Ansible reads it; ` +
        "write '0420' for those octal digits, or '0644' to keep it",
      `warning: ${dir}/site.yml:6:57: directory_mode 750 is the decimal number 750 (mode 01356), as Ansible reads ` +
        "it; write '0750'",
      `warning: ${dir}/tasks/more.yml:1:48: mode 755 is the decimal number 755 (mode 01363), as Ansible reads it; ` +
        "write '0755'",
    ]);
    expect(r.stderr).toMatch(/site\.yml: valid \(1 host, 4 tasks\)\n$/);
  });

  it('says nothing of 0644, "644", "0644", "0o644" or 0', async () => {
    const modes = ['0644', '"644"', '"0644"', '"0o644"', '0', '0o644'];
    const r = await validate(
      [
        '- hosts: localhost',
        '  gather_facts: no',
        '  tasks:',
        ...modes.map((m, i) => `    - file: {path: /tmp/f${i}, state: touch, mode: ${m}}`),
        '',
      ].join('\n'),
    );
    expect(r.stderr).not.toContain('warning');
    expect(r.code).toBe(0);
  });

  it('refuses a symbolic mode, which runbook does not apply, at its place', async () => {
    const r = await validate(
      '- hosts: localhost\n  gather_facts: no\n  tasks:\n    - file: {path: /tmp/x, state: touch, mode: "u+rw"}\n',
    );
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(
      `${dir}/site.yml:4:48: mode: expected octal permissions like "0644" ` +
        '(symbolic modes such as "u+rw" are not supported)',
    );
  });
});
