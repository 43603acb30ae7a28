import { describe, expect, it } from 'vitest';
import { linesOf, fleetForFile } from '../support/ansible.js';
import { expectSame, play } from '../support/ansible-compare.js';

/**
 * changed_when and failed_when belong to the task, not to the command modules: ansible-playbook applies them
 * after any module. The same playbook runs through both tools on the same two OpenSSH servers; each host
 * records what every task registered.
 */
const fleet = fleetForFile(['h1', 'h2']);

/** A file of each host's own in the recorder's shared directory, apart for each tool's run. */
const D = '{{ rec | dirname }}/{{ playbook_dir | basename }}-{{ inventory_hostname }}.txt';

describe('changed_when and failed_when on any module', () => {
  it('judge copy, file, lineinfile and debug results as ansible-playbook does', async () => {
    const r = await fleet.both(
      play(
        [
          '    - copy: {content: "x\\n", dest: "' + D + '"}',
          '      register: c1',
          '      changed_when: false',
          '    - command: "{{ rec }} c1 {{ c1.changed }} {{ c1.failed }}"',
          '    - copy: {content: "y\\n", dest: "' + D + '"}',
          '      register: c2',
          '      failed_when: c2.changed',
          '      ignore_errors: true',
          '    - command: "{{ rec }} c2 {{ c2.changed }} {{ c2.failed }} {{ c2.failed_when_result }}"',
          '    - copy: {src: /nonexistent/runbook-nope, dest: "' + D + '", remote_src: true}',
          '      register: c3',
          '      failed_when: false',
          '    - command: "{{ rec }} c3 {{ c3.changed }} {{ c3.failed }} {{ c3.failed_when_result }}"',
          '    - debug: {msg: hi}',
          '      register: dbg',
          '      changed_when: true',
          '    - command: "{{ rec }} dbg {{ dbg.changed }}"',
          '    - file: {path: "' + D + '", state: file}',
          '      register: f',
          '      changed_when: f.state == "file"',
          '      failed_when: "\'nothing\' in inventory_hostname"',
          '    - command: "{{ rec }} file {{ f.changed }} {{ f.failed }}"',
          '    - lineinfile: {path: "' + D + '", line: z}',
          '      changed_when: false',
          "      failed_when: inventory_hostname == 'h2'",
          '    - command: "{{ rec }} after lineinfile"',
          '',
        ].join('\n'),
      ),
    );
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toEqual([
      'runbook-sshd-test c1 False False',
      'runbook-sshd-test c2 True True True',
      'runbook-sshd-test c3 False False False',
      'runbook-sshd-test dbg True',
      'runbook-sshd-test file True False',
      'runbook-sshd-test after lineinfile',
    ]);
  }, 120_000);
});

describe('extra variables', () => {
  it('win over role, play, block and task vars, set_fact and registered results, as -e does', async () => {
    const r = await fleet.both(
      {
        'site.yml': [
          '- hosts: all',
          '  gather_facts: no',
          '  vars: {v: play}',
          '  roles: [r]',
          '  tasks:',
          '    - command: "{{ rec }} play {{ v }}"',
          '    - block:',
          '        - command: "{{ rec }} block {{ v }}"',
          '      vars: {v: block}',
          '    - command: "{{ rec }} task {{ v }}"',
          '      vars: {v: task}',
          '    - set_fact: {v: fact}',
          '    - command: "{{ rec }} set_fact {{ v }}"',
          '    - command: "echo registered"',
          '      register: v',
          '    - command: "{{ rec }} register {{ v }}"',
          '',
        ].join('\n'),
        'roles/r/vars/main.yml': 'v: role\n',
        'roles/r/tasks/main.yml': '- command: "{{ rec }} role {{ v }}"\n',
      },
      { args: ['-e', 'v=extra'] },
    );
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toEqual([
      'runbook-sshd-test role extra',
      'runbook-sshd-test play extra',
      'runbook-sshd-test block extra',
      'runbook-sshd-test task extra',
      'runbook-sshd-test set_fact extra',
      'runbook-sshd-test register extra',
    ]);
  }, 120_000);
});
