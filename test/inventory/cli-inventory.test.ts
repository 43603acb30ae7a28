import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { useLabs } from '../support/fixtures.js';
import { memoryIo } from '../support/io.js';
import { runAnsible } from './ansible.js';

const { tempDir } = useLabs();

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const io = memoryIo({ cwd, env });
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('inventory flags on the command line', () => {
  it('bad -e, vault and inventory arguments are usage errors (exit 5) naming the argument', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hosts'), 'h1\n');
    writeFileSync(join(dir, 'script-pass'), '#!/bin/sh\necho secret\n');
    chmodSync(join(dir, 'script-pass'), 0o755);
    const cases: [string[], RegExp][] = [
      [['inventory', '--list'], /name the inventory with -i/],
      [['inventory', '-i', 'hosts', '--list', '--graph'], /choose one of --list, --host HOST or --graph/],
      [['inventory', '-i', 'hosts', '--host', 'nope'], /--host: no host "nope" in the inventory/],
      [
        ['inventory', '-i', 'hosts', '--list', '-e', './vars.yml'],
        /-e \.\/vars\.yml: to read variables from a file, write -e @\.\/vars\.yml/,
      ],
      [
        ['inventory', '-i', 'hosts', '--list', '--vault-password-file', 'missing'],
        /--vault-password-file missing: no such file/,
      ],
      [['inventory', '-i', 'hosts', '--list', '--vault-id', 'prod@script-pass'], /never runs them/],
      [
        ['inventory', '-i', 'hosts', '--list', '--vault-id', 'prod@prompt'],
        /prompting for a vault password is not supported/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await run(args, dir);
      expect(r.code, args.join(' ')).toBe(5);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('an INI error is one located line, exit 4', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hosts'), '[web]\nw1 port\n');
    const r = await run(['inventory', '-i', 'hosts', '--list'], dir);
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toBe(`${join(dir, 'hosts')}:2:4: expected key=value host variable assignment, got: port`);
  });

  it('plan --json redacts values decrypted from a vault, whatever their variable is called', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'group_vars'));
    writeFileSync(join(dir, 'hosts'), '[db]\nd1 ansible_host=127.0.0.1\n');
    writeFileSync(join(dir, 'pw'), 'pw\n');
    writeFileSync(join(dir, 'group_vars', 'db.yml'), 'db_host: internal-db.example.net\n');
    const enc = await runAnsible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'group_vars/db.yml'], dir);
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(
      join(dir, 'site.yml'),
      '- hosts: db\n  tasks:\n    - name: ping\n      command: "ping -c1 {{ db_host }}"\n',
    );
    const r = await run(['plan', 'site.yml', '-i', 'hosts', '--vault-password-file', 'pw', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('internal-db.example.net');
    const plan = JSON.parse(r.stdout) as {
      plays: { hosts: Record<string, { vars: Record<string, unknown>; tasks: { command: string }[] }> }[];
    };
    expect(plan.plays[0]!.hosts.d1!.tasks[0]!.command).toBe('ping -c1 [redacted]');
    expect(plan.plays[0]!.hosts.d1!.vars.db_host).toBe('[redacted]');
    const without = await run(['plan', 'site.yml', '-i', 'hosts', '--json'], dir);
    expect(without.code).toBe(4);
    expect(without.stderr).toMatch(/group_vars\/db\.yml:1:1: cannot decrypt .*no vault password was given/);
    expect(without.stderr).toContain('no vault password was given (pass --vault-password-file or --vault-id)');
  });
});
