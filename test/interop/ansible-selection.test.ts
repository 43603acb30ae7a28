import { describe, expect, it } from 'vitest';
import { fleetForFile } from '../support/ansible.js';
import { expectSame, perHost, play } from '../support/ansible-compare.js';

/**
 * ansible-playbook is the oracle: each playbook runs through it and through runbook against the same two
 * OpenSSH servers, and each host must have run the same commands, in the same order, with the same recap.
 */
const fleet = fleetForFile(['h1', 'h2']);

describe('tags', () => {
  const files = {
    'site.yml': [
      '- hosts: all',
      '  gather_facts: no',
      '  tags: [play]',
      '  tasks:',
      '    - command: "{{ rec }} one"',
      '      tags: one',
      '    - command: "{{ rec }} two-always"',
      '      tags: [two, always]',
      '    - command: "{{ rec }} never"',
      '      tags: never',
      '    - command: "{{ rec }} debug-never"',
      '      tags: [never, debug]',
      '    - block:',
      '        - command: "{{ rec }} in-block"',
      '        - command: "{{ rec }} in-block-tagged"',
      '          tags: inner',
      '      tags: blocktag',
      '    - command: "{{ rec }} untagged"',
      '',
    ].join('\n'),
  };

  it('selects with --tags and --skip-tags as ansible-playbook does, always and never included', async () => {
    for (const args of [
      ['--tags', 'one'],
      ['--tags', 'debug,inner'],
      ['--tags', 'blocktag', '--skip-tags', 'always,inner'],
    ]) {
      const [ansible, runbook] = [await fleet.ansible(files, { args }), await fleet.runbook(files, { args })];
      expect(perHost(runbook), `${args.join(' ')}\n${runbook.stderr}`).toEqual(perHost(ansible));
      expect(runbook.recap).toEqual(ansible.recap);
    }
  }, 300_000);

  it("lists tasks and tags in ansible-playbook's layout", async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { runCli } = await import('../support/cli.js');
    const at = await mkdtemp(join(tmpdir(), 'runbook-list-'));
    await writeFile(join(at, 'site.yml'), files['site.yml']);
    for (const flags of [['--list-tasks'], ['--list-tags'], ['--list-tasks', '--tags', 'one']]) {
      const ansible = await promisify(execFile)('ansible-playbook', ['-i', 'localhost,', 'site.yml', ...flags], {
        cwd: at,
        env: {
          ...process.env,
          ANSIBLE_HOME: join(at, '.ansible'),
          ANSIBLE_NOCOLOR: '1',
          ANSIBLE_LOCALHOST_WARNING: '0',
        },
      });
      const runbook = await runCli(['plan', 'site.yml', ...flags], { cwd: at });
      expect(runbook.stdout, flags.join(' ')).toBe(ansible.stdout);
    }
  }, 120_000);
});

describe('task keywords', () => {
  it('applies environment, chdir, creates/removes, check_mode, ignore_errors, assert messages ' +
    'and no_log as Ansible does', async () => {
    const r = await fleet.both(
      play(
        [
          '    - command: "sh -c \'{{ rec }} env $GREETING\'"',
          '      environment: {GREETING: hello}',
          '    - command: "sh -c \'{{ rec }} cwd $(pwd)\'"',
          '      args: {chdir: /tmp}',
          '    - command: "{{ rec }} creates-exists creates=/etc/passwd"',
          '    - command: "{{ rec }} removes-missing removes=/nonexistent-runbook"',
          '    - command: "{{ rec }} creates-missing creates=/nonexistent-runbook"',
          '    - command: "{{ rec }} in-check-mode"',
          '      check_mode: yes',
          '    - command: "{{ rec }} fail-ignored"',
          '      ignore_errors: yes',
          '    - ansible.builtin.assert:',
          '        that: [1 == 1]',
          '        success_msg: fine',
          '        fail_msg: not fine',
          '    - command: "{{ rec }} secret-output"',
          '      no_log: true',
          '',
        ].join('\n'),
      ),
    );
    expectSame(r);
  }, 120_000);

  it("keeps a no_log task's output out of the report", async () => {
    const r = await fleet.runbook(
      play(
        '    - name: quiet\n' +
          '      command: "sh -c \'{{ rec }} hidden; echo the-secret-$((6 * 7))\'"\n' +
          '      no_log: true\n',
      ),
      { args: ['--json'] },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('the-secret-42');
    expect(r.stdout).toContain('the output has been hidden');
  }, 60_000);
});
