import { describe, expect, it } from 'vitest';
import { linesOf, fleetForFile } from '../support/ansible.js';
import { expectSame, play } from '../support/ansible-compare.js';

/**
 * More of Ansible's playbook semantics, each run through ansible-playbook and through runbook against the
 * same two OpenSSH servers: each host must have run the same commands, in the same order, with the same recap.
 */
const fleet = fleetForFile(['h1', 'h2']);

describe('handlers across roles', () => {
  it('notifies "role : handler", a role handler from the play, and listen topics across roles', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  roles: [web, db]',
        '  tasks:',
        '    - command: "{{ rec }} play-task"',
        '      notify: [restart web, "db : restart db", everyone]',
        '  handlers:',
        '    - name: own',
        '      listen: everyone',
        '      command: "{{ rec }} play-handler"',
        '',
      ].join('\n'),
      'roles/web/tasks/main.yml': '- command: "{{ rec }} web"\n  notify: "web : restart web"\n',
      'roles/web/handlers/main.yml':
        '- name: restart web\n  command: "{{ rec }} web-handler"\n' +
        '- name: web listener\n  listen: everyone\n  command: "{{ rec }} web-listener"\n',
      'roles/db/tasks/main.yml': '- command: "{{ rec }} db"\n  notify: everyone\n',
      'roles/db/handlers/main.yml':
        '- name: restart db\n  command: "{{ rec }} db-handler"\n' +
        '- name: db listener\n  listen: everyone\n  command: "{{ rec }} db-listener"\n',
    });
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toContain('runbook-sshd-test db-handler');
  }, 120_000);
});

describe('strategy: linear', () => {
  it('moves in lockstep through roles, blocks, rescue, always, includes and handlers', async () => {
    // h1 is slower at every task: without the lockstep h2 would run ahead of it.
    const task = (indent: number, word: string): string => {
      const pad = ' '.repeat(indent);
      const slow = "{{ 'sleep 0.3; ' if inventory_hostname == 'h1' else '' }}";
      return `${pad}- name: ${word}\n${pad}  shell: "${slow}{{ rec }} ${word}"`;
    };
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  strategy: linear',
        '  roles: [r]',
        '  tasks:',
        '    - block:',
        task(8, 'b1'),
        task(8, "{{ 'fail-b2' if inventory_hostname == 'h1' else 'b2' }}").replace(/name: .*/, 'name: b2'),
        task(8, 'b3'),
        '      rescue:',
        task(8, 'r1'),
        task(8, 'r2'),
        '      always:',
        task(8, 'a1'),
        '    - include_tasks: inc.yml',
        task(4, 'last'),
        '      notify: h',
        '  handlers:',
        task(4, 'handler').replace('name: handler', 'name: h'),
        '',
      ].join('\n'),
      'inc.yml': `${task(0, 'inc1')}\n${task(0, 'inc2')}\n`,
      'roles/r/tasks/main.yml': `${task(0, 'role1')}\n${task(0, 'role2')}\n`,
    });
    expectSame(r);
    // Both hosts run a task before either starts the next; a task only one host meets runs alone.
    const words = (lines: string[]): string[] => lines.map((l) => l.split(' ')[2]!.replace(/^fail-/, ''));
    expect(words(r.runbook.lines)).toEqual(words(r.ansible.lines));
    expect(words(r.runbook.lines).slice(0, 9)).toEqual([
      'role1',
      'role1',
      'role2',
      'role2',
      'b1',
      'b1',
      'b2',
      'b2',
      'b3',
    ]);
  }, 120_000);
});

describe('templated include names', () => {
  const files = {
    'site.yml': [
      '- hosts: all',
      '  gather_facts: no',
      '  tasks:',
      '    - set_fact:',
      `        flavour: "{{ 'Debian' if inventory_hostname == 'h1' else 'RedHat' }}"`,
      '    - include_tasks: "setup-{{ flavour }}.yml"',
      '    - include_tasks: "{{ item }}.yml"',
      '      loop: [one, two]',
      '    - include_tasks: "steps/{{ step }}.yml"',
      '      loop: [a, b]',
      '      loop_control: {loop_var: step}',
      '    - include_vars: "vars/{{ flavour }}.yml"',
      '    - command: "{{ rec }} package {{ package }}"',
      '    - include_role:',
      '        name: "role-{{ flavour }}"',
      '',
    ].join('\n'),
    'setup-Debian.yml': '- command: "{{ rec }} setup debian"\n',
    'setup-RedHat.yml': '- command: "{{ rec }} setup redhat"\n',
    'one.yml': '- command: "{{ rec }} one {{ item }}"\n',
    'two.yml': '- command: "{{ rec }} two {{ item }}"\n',
    'steps/a.yml': '- command: "{{ rec }} step-a {{ step }}"\n',
    'steps/b.yml': '- command: "{{ rec }} step-b {{ step }}"\n',
    'vars/Debian.yml': 'package: apt\n',
    'vars/RedHat.yml': 'package: dnf\n',
    'roles/role-Debian/tasks/main.yml': '- command: "{{ rec }} role debian"\n',
    'roles/role-RedHat/tasks/main.yml': '- command: "{{ rec }} role redhat"\n',
  };

  it('renders include_tasks, include_vars and include_role names per host, in loops too', async () => {
    const r = await fleet.both(files);
    expectSame(r);
    expect(linesOf(r.runbook, 'h2')).toContain('runbook-sshd-test role redhat');
  }, 120_000);

  it('fails an include whose rendered name leaves the playbook directory or names no file', async () => {
    const site = [
      '- hosts: all',
      '  gather_facts: no',
      '  tasks:',
      '    - set_fact:',
      `        where: "{{ '../outside' if inventory_hostname == 'h1' else 'missing' }}"`,
      '    - include_tasks: "{{ where }}.yml"',
      '',
    ].join('\n');
    const r = await fleet.runbook({ 'site.yml': site, 'present.yml': '- command: "{{ rec }} present"\n' });
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([]);
    expect(r.stdout).toContain('include_tasks: "../outside.yml" is outside the playbook\'s directory');
    expect(r.stdout).toContain(
      'include_tasks: "missing.yml" (from "{{ where }}.yml") names nothing the playbook holds',
    );
  }, 120_000);
});

describe('task outcomes', () => {
  it('registers attempts of until, results of ignored failures, failed_when lists and set_fact in a loop ' +
    'as Ansible', async () => {
    const r = await fleet.both(
      play(
        [
          '    - command: "{{ rec }} attempt"',
          '      register: tried',
          '      until: tried.attempts == 2',
          '      retries: 3',
          '      delay: 0',
          '    - command: "{{ rec }} attempts {{ tried.attempts }}"',
          '    - command: "{{ rec }} fail-ignored"',
          '      register: out',
          '      ignore_errors: true',
          '    - command: "{{ rec }} rc {{ out.rc }} {{ out.failed }} {{ out is failed }}"',
          '    - command: "{{ rec }} failed-when"',
          '      register: fw',
          '      failed_when:',
          '        - fw.rc == 0',
          '        - inventory_hostname == "h2"',
          '      ignore_errors: true',
          '    - command: "{{ rec }} loop {{ item }}"',
          '      loop: [a, b]',
          '      register: looped',
          '      changed_when: item == "b"',
          '    - command: "{{ rec }} changed {{ looped.changed }}',
          `        {{ looped.results | map(attribute='changed') | list }}"`,
          '    - command: "{{ rec }} maybe"',
          '      when: inventory_hostname == "h1"',
          '      register: maybe',
          `    - command: "{{ rec }} skipped {{ maybe is skipped }} {{ maybe.skipped | default('none') }}"`,
          '    - set_fact:',
          '        acc: "{{ (acc | default([])) + [item] }}"',
          '      loop: [x, y]',
          `    - command: "{{ rec }} acc {{ acc | join(',') }}"`,
          '    - block:',
          '        - command: "{{ rec }} in-block {{ item }}"',
          '          loop: [1, 2]',
          '      when: inventory_hostname == "h1"',
          '',
        ].join('\n'),
      ),
    );
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toContain('runbook-sshd-test attempts 2');
    expect(linesOf(r.runbook, 'h1')).toContain('runbook-sshd-test acc x,y');
  }, 120_000);
});

describe('stopping', () => {
  it('stops every host on an any_errors_fatal failure, but not on one a rescue answers', async () => {
    for (const rescue of [[], ['      rescue:', '        - command: "{{ rec }} rescued"']]) {
      const r = await fleet.both(
        play(
          [
            '    - block:',
            '        - command: "{{ rec }} fail-one"',
            '          when: inventory_hostname == "h1"',
            '        - command: "{{ rec }} block-two"',
            ...rescue,
            '      any_errors_fatal: true',
            '    - command: "{{ rec }} after"',
            '',
          ].join('\n'),
          '  strategy: linear\n',
        ),
      );
      expectSame(r);
    }
  }, 180_000);

  it('stops the batch after the task that took linear failures over max_fail_percentage', async () => {
    for (const percentage of [40, 50]) {
      const r = await fleet.both(
        play(
          [
            '    - command: "{{ rec }} fail-one"',
            '      when: inventory_hostname == "h1"',
            '    - command: "{{ rec }} after"',
            '',
          ].join('\n'),
          `  strategy: linear\n  max_fail_percentage: ${percentage}\n`,
        ),
      );
      expectSame(r);
      expect(linesOf(r.runbook, 'h2')).toEqual(percentage === 40 ? [] : ['runbook-sshd-test after']);
    }
  }, 180_000);

  it('ends a host with meta: end_host and every host with meta: end_play, the next play still running', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} one"',
        '      notify: h',
        '    - meta: end_host',
        '      when: inventory_hostname == "h1"',
        '    - command: "{{ rec }} two"',
        '  handlers:',
        '    - name: h',
        '      command: "{{ rec }} handler"',
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} second-play"',
        '    - meta: end_play',
        '    - command: "{{ rec }} never"',
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} third-play"',
        '',
      ].join('\n'),
    });
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toEqual([
      'runbook-sshd-test one',
      'runbook-sshd-test second-play',
      'runbook-sshd-test third-play',
    ]);
  }, 120_000);
});
