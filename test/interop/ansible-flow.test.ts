import { describe, expect, it } from 'vitest';
import { linesOf, fleetForFile } from '../support/ansible.js';
import { expectSame, play } from '../support/ansible-compare.js';

/**
 * ansible-playbook is the oracle: each playbook runs through it and through runbook against the same two
 * OpenSSH servers, and each host must have run the same commands, in the same order, with the same recap.
 */
const fleet = fleetForFile(['h1', 'h2']);

describe('loops', () => {
  it('runs loop, with_items, with_list, with_dict and with_indexed_items item by item, ' +
    'and registers results', async () => {
    const r = await fleet.both(
      play(
        [
          '    - command: "{{ rec }} loop {{ item }}"',
          '      loop: [a, b]',
          '      register: out',
          '    - command: "{{ rec }} count {{ out.results | length }} {{ out.results[1].item }}"',
          '      changed_when: false',
          '    - ansible.builtin.command: "{{ rec }} items {{ item }}"',
          '      with_items: [[x, y], z]',
          '    - command: "{{ rec }} list {{ item | join(\'-\') }}"',
          '      with_list: [[x, y], [z]]',
          '    - command: "{{ rec }} dict {{ item.key }}={{ item.value }}"',
          '      with_dict: {k1: v1, k2: v2}',
          '    - command: "{{ rec }} indexed {{ item[0] }} {{ item[1] }}"',
          '      with_indexed_items: [p, q]',
          '    - command: "{{ rec }} control {{ host_item }} {{ i }}"',
          "      loop: \"{{ ['m', 'n'] }}\"",
          '      loop_control: {loop_var: host_item, index_var: i, label: "{{ host_item }}"}',
          '    - command: "{{ rec }} when {{ item }}"',
          '      loop: [1, 2, 3]',
          '      when: item != 2',
          '',
        ].join('\n'),
      ),
    );
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toContain('runbook-sshd-test count 2 b');
  }, 120_000);

  it('repeats a task until its condition holds, and fails it when retries run out', async () => {
    const r = await fleet.both(
      play(
        [
          '    - command: "{{ rec }} try"',
          '      register: attempt',
          '      until: attempt.attempts >= 2',
          '      retries: 3',
          '      delay: 0',
          '    - command: "{{ rec }} never"',
          '      register: never',
          '      until: false',
          '      retries: 1',
          '      delay: 0',
          '',
        ].join('\n'),
      ),
    );
    expectSame(r);
  }, 120_000);
});

describe('blocks', () => {
  it('rescues a failure, runs always, inherits when and vars, and counts the host rescued', async () => {
    const r = await fleet.both(
      play(
        [
          '    - block:',
          '        - command: "{{ rec }} {{ word }} one"',
          '        - block:',
          '            - command: "{{ rec }} fail inner"',
          '              when: inventory_hostname == "h2"',
          '            - command: "{{ rec }} after-inner"',
          '          always:',
          '            - command: "{{ rec }} inner-always"',
          '      rescue:',
          '        - command: "{{ rec }} rescue {{ ansible_failed_task.name }}"',
          '      always:',
          '        - command: "{{ rec }} outer-always"',
          '      vars:',
          '        word: from-block',
          '    - block:',
          '        - command: "{{ rec }} skipped-by-block-when"',
          '      when: inventory_hostname == "h1"',
          '    - block:',
          '        - command: "{{ rec }} fail-unrescued"',
          '          when: inventory_hostname == "h1"',
          '      always:',
          '        - command: "{{ rec }} always-after-unrescued"',
          '    - command: "{{ rec }} end"',
          '',
        ].join('\n'),
      ),
    );
    expectSame(r);
  }, 120_000);
});

describe('handlers', () => {
  it('runs notified handlers once, in handler order, by name and listen, at flush and at the end', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} change-1"',
        '      notify: [second, first]',
        '    - command: "{{ rec }} change-2"',
        '      notify: first',
        '    - command: "{{ rec }} unchanged"',
        '      changed_when: false',
        '      notify: never-runs',
        '    - meta: flush_handlers',
        '    - command: "{{ rec }} change-3"',
        '      notify: topic',
        '  handlers:',
        '    - name: first',
        '      command: "{{ rec }} handler-first"',
        '    - name: second',
        '      command: "{{ rec }} handler-second"',
        '    - name: never-runs',
        '      command: "{{ rec }} handler-never"',
        '    - name: by-topic',
        '      listen: topic',
        '      command: "{{ rec }} handler-topic"',
        '',
      ].join('\n'),
    });
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toEqual([
      'runbook-sshd-test change-1',
      'runbook-sshd-test change-2',
      'runbook-sshd-test unchanged',
      'runbook-sshd-test handler-first',
      'runbook-sshd-test handler-second',
      'runbook-sshd-test change-3',
      'runbook-sshd-test handler-topic',
    ]);
  }, 120_000);

  it("skips a failed host's handlers, unless --force-handlers", async () => {
    const files = {
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} change"',
        '      notify: h',
        '    - command: "{{ rec }} fail"',
        '      when: inventory_hostname == "h2"',
        '  handlers:',
        '    - name: h',
        '      command: "{{ rec }} handler"',
        '',
      ].join('\n'),
    };
    expectSame(await fleet.both(files));
    expectSame(await fleet.both(files, { args: ['--force-handlers'] }));
  }, 180_000);
});
