import { describe, expect, it } from 'vitest';
import { linesOf, fleetForFile } from '../support/ansible.js';
import { expectSame, play } from '../support/ansible-compare.js';

/**
 * command, shell, raw and script judge what ran as ansible-playbook does, on the same OpenSSH host: each
 * registers rc, changed, failed and msg for a non-zero exit and for a script ended by a signal, and each
 * result is recorded on the host, so the two tools must have recorded the same lines. (`command` runs through
 * the login shell over SSH, so a signal that ends its child is the shell's exit status 128+N: not compared.)
 */
const fleet = fleetForFile(['h1']);

/** A task that records what `name` registered. */
const said = (name: string) =>
  `    - command: "{{ rec }} ${name} rc={{ ${name}.rc }} changed={{ ${name}.changed }} ` +
  `failed={{ ${name}.failed }} msg={{ ${name}.msg | default('none') }}"\n      changed_when: false\n`;

describe('command-like modules judge a result as Ansible does', () => {
  it('a non-zero exit and a signal: rc, changed, failed, msg; failed_when and changed_when', async () => {
    const tasks = [
      ['shell_exit', 'shell: "echo out; exit 3"'],
      ['shell_signal', 'shell: "kill -TERM $$"'],
      ['command_exit', 'command: "sh -c \'exit 4\'"'],
      ['raw_exit', 'raw: "exit 5"'],
      ['script_exit', 'script: "exits.sh 6"'],
      ['script_signal', 'script: "exits.sh kill"'],
      ['shell_ok', 'shell: "true"'],
    ];
    const body = tasks
      .map(([name, task]) => `    - ${task}\n      register: ${name}\n      ignore_errors: true\n${said(name!)}`)
      .join('');
    const judged = [
      '    - shell: "exit 2"',
      '      register: judged',
      '      failed_when: judged.rc not in [0, 2]',
      '      changed_when: judged.rc == 0',
      said('judged'),
      '    - shell: "echo fine"',
      '      register: forced',
      '      failed_when: "\'fine\' in forced.stdout"',
      '      ignore_errors: true',
      said('forced'),
    ].join('\n');
    const r = await fleet.both({
      ...play(body + judged),
      'files/exits.sh': '#!/bin/sh\n[ "$1" = kill ] && kill -TERM $$\nexit "$1"\n',
    });
    expectSame(r);
    const seen = linesOf(r.runbook, 'h1').map((l) => l.replace(/^\S+ /, ''));
    expect(seen).toEqual([
      'shell_exit rc=3 changed=True failed=True msg=non-zero return code',
      'shell_signal rc=-15 changed=True failed=True msg=non-zero return code',
      'command_exit rc=4 changed=True failed=True msg=non-zero return code',
      'raw_exit rc=5 changed=True failed=True msg=non-zero return code',
      'script_exit rc=6 changed=True failed=True msg=non-zero return code',
      // Ansible's script runs through the login shell: a signal ending it is the shell's exit status.
      'script_signal rc=143 changed=True failed=True msg=non-zero return code',
      'shell_ok rc=0 changed=True failed=False msg=',
      'judged rc=2 changed=False failed=False msg=non-zero return code',
      'forced rc=0 changed=True failed=True msg=',
    ]);
  }, 180_000);
});
