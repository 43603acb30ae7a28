import { describe, expect, it } from 'vitest';
import { linesOf, fleetForFile } from '../support/ansible.js';
import { expectSame, perHost } from '../support/ansible-compare.js';

/**
 * ansible-playbook is the oracle: each playbook runs through it and through runbook against the same two
 * OpenSSH servers, and each host must have run the same commands, in the same order, with the same recap.
 */
const fleet = fleetForFile(['h1', 'h2']);

describe('roles and includes', () => {
  const files = {
    'site.yml': [
      '- import_playbook: first.yml',
      '- hosts: all',
      '  gather_facts: no',
      '  vars_files: [vars/common.yml]',
      '  pre_tasks:',
      '    - command: "{{ rec }} pre {{ common }}"',
      '  roles:',
      '    - role: web',
      '      vars: {port: 8080}',
      '  tasks:',
      '    - import_tasks: tasks/static.yml',
      '      vars: {what: imported}',
      '    - include_tasks: tasks/dynamic.yml',
      '      loop: [d1, d2]',
      '    - include_role:',
      '        name: base',
      '    - include_vars: vars/late.yml',
      '    - command: "{{ rec }} late {{ late }}"',
      '  post_tasks:',
      '    - command: "{{ rec }} post"',
      '',
    ].join('\n'),
    'first.yml': '- hosts: h1\n  gather_facts: no\n  tasks:\n    - command: "{{ rec }} first-play"\n',
    'vars/common.yml': 'common: from-vars-file\n',
    'vars/late.yml': 'late: arrived\n',
    'tasks/static.yml': '- command: "{{ rec }} static {{ what }}"\n',
    'tasks/dynamic.yml': '- command: "{{ rec }} dynamic {{ item }}"\n',
    'roles/web/meta/main.yml': 'dependencies: [base]\n',
    'roles/web/defaults/main.yml': 'port: 80\nsite: default-site\n',
    'roles/web/vars/main.yml': 'role_var: from-vars\n',
    'roles/web/tasks/main.yml':
      '- command: "{{ rec }} web {{ port }} {{ site }} {{ role_var }}"\n  notify: reload web\n' +
      '- import_tasks: more.yml\n',
    'roles/web/tasks/more.yml': '- command: "{{ rec }} web-more"\n',
    'roles/web/handlers/main.yml': '- name: reload web\n  command: "{{ rec }} web-handler"\n',
    'roles/base/tasks/main.yml': '- command: "{{ rec }} base"\n',
  };

  it('runs roles (defaults, vars, meta dependencies, handlers), imports, includes and vars files ' +
    "in Ansible's order", async () => {
    expectSame(await fleet.both(files));
  }, 180_000);
});

describe('where a task runs', () => {
  it('runs delegate_to, local_action, connection: local and hosts: localhost ' +
    'on the host or controller Ansible picks', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} own {{ inventory_hostname }}"',
        '    - command: "{{ rec }} delegated-for {{ inventory_hostname }}"',
        '      delegate_to: h2',
        '    - command: "{{ rec }} to-controller-for {{ inventory_hostname }}"',
        '      delegate_to: localhost',
        '    - local_action: command {{ rec }} local-action-for {{ inventory_hostname }}',
        '    - command: "{{ rec }} connection-local-for {{ inventory_hostname }}"',
        '      connection: local',
        '- hosts: localhost',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} implicit-localhost"',
        '',
      ].join('\n'),
    });
    expect(perHost(r.runbook), r.runbook.stderr).toEqual({
      h1: ['runbook-sshd-test own h1'],
      h2: expect.arrayContaining([
        'runbook-sshd-test own h2',
        'runbook-sshd-test delegated-for h1',
        'runbook-sshd-test delegated-for h2',
      ]),
      controller: expect.arrayContaining(['root implicit-localhost']),
    });
    // Order across hosts differs with the strategy; per machine, the multiset and each host's own order match.
    for (const where of ['h1', 'h2', 'controller']) {
      expect([...linesOf(r.runbook, where)].sort()).toEqual([...linesOf(r.ansible, where)].sort());
    }
    expect(r.runbook.recap).toEqual(r.ansible.recap);
    expect(r.runbook.code).toBe(r.ansible.code);
  }, 180_000);

  it('runs a run_once task on the first host only and gives its result to the batch, ' +
    'under strategy linear', async () => {
    expectSame(
      await fleet.both({
        'site.yml': [
          '- hosts: all',
          '  gather_facts: no',
          '  strategy: linear',
          '  tasks:',
          '    - command: "{{ rec }} once {{ inventory_hostname }}"',
          '      run_once: true',
          '      register: once',
          '    - command: "{{ rec }} saw {{ once.rc }}"',
          '',
        ].join('\n'),
      }),
    );
  }, 120_000);

  it('moves task by task across the batch under strategy linear, ' +
    'and stops every host on any_errors_fatal', async () => {
    const files = {
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  strategy: linear',
        '  tasks:',
        '    - command: "{{ rec }} step1 {{ inventory_hostname }}"',
        '    - command: "{{ rec }} step2 {{ inventory_hostname }}"',
        '    - command: "{{ rec }} fail {{ inventory_hostname }}"',
        '      when: inventory_hostname == "h1"',
        '      any_errors_fatal: true',
        '    - command: "{{ rec }} step4 {{ inventory_hostname }}"',
        '',
      ].join('\n'),
    };
    const r = await fleet.both(files);
    expect(perHost(r.runbook), r.runbook.stderr).toEqual(perHost(r.ansible));
    expect(r.runbook.recap).toEqual(r.ansible.recap);
    // Both exit 2: every host of the batch was attempted, so no host was left unattempted (which would be 3).
    expect([r.ansible.code, r.runbook.code]).toEqual([2, 2]);
    // Linear: both hosts finish a step before either starts the next.
    const steps = r.runbook.lines.map((l) => l.split(' ')[2]);
    expect(steps.slice(0, 4)).toEqual(['step1', 'step1', 'step2', 'step2']);
  }, 120_000);
});
