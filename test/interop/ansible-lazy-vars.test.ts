import { describe, expect, it } from 'vitest';
import { linesOf, fleetForFile } from '../support/ansible.js';
import { expectSame } from '../support/ansible-compare.js';

/**
 * Variables whose values are templates, with ansible-playbook as the oracle: both tools run the same playbook
 * against the same two OpenSSH servers, and every host must run the same commands with the same recap.
 */
const fleet = fleetForFile(['h1', 'h2']);

const SITE = [
  '- hosts: all',
  '  gather_facts: no',
  '  vars_files: [vars/main.yml]',
  '  vars:',
  '    base: /srv',
  '    dir: "{{ base }}/{{ inventory_hostname }}"',
  '    users: [{name: "{{ prefix }}-a", groups: ["{{ site }}"]}, {name: "{{ prefix }}-b", groups: []}]',
  '    names: "{{ users | map(attribute=\'name\') | list }}"',
  '    enabled: "{{ inventory_hostname == \'h1\' }}"',
  '    nested: {path: "{{ dir }}/etc", list: ["{{ site }}", 2]}',
  '    num: "{{ 40 + 2 }}"',
  '    quoted: "{{ \'{{\' }} base }}"',
  '  roles: [web]',
  '  tasks:',
  '    - command: "{{ rec }} dir {{ dir }}"',
  '    - command: "{{ rec }} user {{ item.name }} {{ item.groups | join(\',\') }}"',
  '      loop: "{{ users }}"',
  '    - command: "{{ rec }} name {{ item }}"',
  '      loop: "{{ names }}"',
  '    - command: "{{ rec }} enabled"',
  '      when: enabled',
  '    - command: "{{ rec }} nested {{ nested.path }} {{ nested.list[0] }} {{ nested.list | length }}"',
  '    - command: "{{ rec }} num {{ num is string }} {{ quoted }}"',
  '    - set_fact: {fact: "{{ dir }}-fact", again: "{{ quoted }}"}',
  '    - command: "{{ rec }} fact {{ fact }} {{ again }}"',
  '    - command: "{{ rec }} echo {{ quoted }}"',
  '      register: said',
  '      changed_when: false',
  '    - include_vars: vars/late.yml',
  '    - command: "{{ rec }} late {{ late }} {{ late_list | join(\'+\') }}"',
  '    - command: "{{ rec }} hostvars {{ hostvars[\'h2\'].site }} {{ hostvars.h1.site }}"',
  '    - command: "{{ rec }} from {{ site }} {{ from_file }} {{ extra }} {{ lazy_default | default(\'none\') }}"',
  '',
].join('\n');

describe('variables whose values are templates', () => {
  it('render when used, from play vars, vars_files, inventory, role defaults, set_fact and -e', async () => {
    const r = await fleet.both(
      {
        'site.yml': SITE,
        'vars/main.yml': 'prefix: "{{ site }}-u"\nfrom_file: "{{ base }}-file"\nlazy_default: "{{ nowhere }}"\n',
        'vars/late.yml': 'late: "{{ dir }}-late"\nlate_list: ["{{ base }}", "{{ fact }}"]\n',
        'roles/web/defaults/main.yml': 'web_root: "{{ dir }}/www"\n',
        'roles/web/tasks/main.yml': '- command: "{{ rec }} role {{ web_root }}"\n',
      },
      { hostVars: { site: '{{ inventory_hostname }}-site' }, args: ['-e', 'extra={{ base }}-extra'] },
    );
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toContain('runbook-sshd-test user h1-site-u-a h1-site');
    expect(linesOf(r.runbook, 'h2')).not.toContain('runbook-sshd-test enabled');
  }, 120_000);

  it('stop at a variable whose value needs itself, naming the loop', async () => {
    const files = {
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  vars: {a: "{{ b }}", b: "x{{ a }}"}',
        '  tasks:',
        '    - command: "{{ rec }} loop {{ a }}"',
        '    - command: "{{ rec }} after"',
        '',
      ].join('\n'),
    };
    const ansible = await fleet.ansible(files);
    const runbook = await fleet.runbook(files);
    const phrase = 'recursive loop detected in template string: {{ b }}';
    // Ansible finds the loop when the task runs and fails every host there; runbook finds it offline, before
    // any host runs, and refuses the playbook at the task (exit 4) as it does any undefined variable.
    expect(ansible.stdout).toContain(phrase);
    expect(Object.values(ansible.recap).map((c) => c.failed)).toEqual([1, 1]);
    expect(ansible.lines).toEqual([]);
    expect(runbook.code).toBe(4);
    expect(runbook.stderr).toContain(`site.yml:5:16: ${phrase}`);
    expect(runbook.lines).toEqual([]);
  }, 120_000);
});
