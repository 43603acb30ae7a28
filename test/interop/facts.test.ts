import { describe, expect, it } from 'vitest';
import { fleetForFile } from '../support/ansible.js';
import { expectSame, perHost } from '../support/ansible-compare.js';

/**
 * Facts, with ansible-playbook as the oracle: both tools gather on the same two OpenSSH hosts, then every
 * host records each fact's value (base64 of its JSON, so no shell reads it); the records must be equal.
 * date_time changes between the two runs, so only the fields that hold for a day are compared.
 */
const fleet = fleetForFile(['h1', 'h2']);

const FACTS = [
  'hostname',
  'nodename',
  'fqdn',
  'domain',
  'distribution',
  'distribution_version',
  'distribution_major_version',
  'distribution_release',
  'distribution_minor_version',
  'distribution_file_path',
  'distribution_file_variety',
  'os_family',
  'system',
  'kernel',
  'kernel_version',
  'architecture',
  'machine',
  'default_ipv4',
  'default_ipv6',
  'all_ipv4_addresses',
  'all_ipv6_addresses',
  'python_version',
  'user_id',
  'user_uid',
  'user_gid',
  'user_dir',
  'user_shell',
  'user_gecos',
  'pkg_mgr',
  'service_mgr',
  'processor_count',
  'processor_cores',
  'processor_threads_per_core',
  'processor_vcpus',
  'processor_nproc',
  'memtotal_mb',
];

/** A fact's value as one word: dicts by sorted keys, so the order keys were found in does not matter. */
const word = (expr: string) => `{{ (${expr} | dictsort if ${expr} is mapping else ${expr}) | to_json | b64encode }}`;

describe('gather_facts', () => {
  it("gathers the same values as Ansible's setup, as ansible_facts, ansible_* and hostvars", async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  tasks:',
        `    - command: "{{ rec }} {{ item }} ${word('ansible_facts[item]')}"`,
        `      loop: ${JSON.stringify(FACTS)}`,
        `    - command: "{{ rec }} top ${word('ansible_distribution')} ${word('ansible_default_ipv4')}"`,
        `    - command: "{{ rec }} hostvars ${word("hostvars[inventory_hostname]['ansible_facts']['os_family']")}"`,
        `    - command: "{{ rec }} interfaces ${word('ansible_interfaces | sort')}"`,
        '    - command: >-',
        '        {{ rec }} date_time {{ ansible_date_time.keys() | sort | join(",") }}',
        '        {{ ansible_date_time.tz }} {{ ansible_date_time.tz_offset }}',
        '        {{ ansible_date_time.epoch | int > 1700000000 }} {{ ansible_date_time.iso8601 | length }}',
        '',
      ].join('\n'),
    });
    expectSame(r);
    const lines = perHost(r.runbook).h1!;
    expect(lines).toHaveLength(FACTS.length + 4);
    // Each fact had a value on this host: a missing one would render as an empty word or fail the task.
    for (const [i, fact] of FACTS.entries()) expect(lines[i]).toMatch(new RegExp(`^runbook-sshd-test ${fact} \\S+$`));
  }, 240_000);

  it('gathers by default only when the play reads a fact; gather_facts: true gathers anyway', async () => {
    const reads = await fleet.runbook({
      'site.yml': '- hosts: all\n  tasks:\n    - command: "{{ rec }} {{ ansible_os_family }}"\n',
    });
    const none = await fleet.runbook({ 'site.yml': '- hosts: all\n  tasks:\n    - command: "{{ rec }} plain"\n' });
    const always = await fleet.both({
      'site.yml': '- hosts: all\n  gather_facts: true\n  tasks:\n    - command: "{{ rec }} plain"\n',
    });
    expect(reads.code).toBe(0);
    expect(reads.recap.h1!.ok).toBe(2);
    expect(none.recap.h1!.ok).toBe(1);
    expectSame(always);
    expect(always.runbook.recap.h1!.ok).toBe(2);
  }, 240_000);

  it('runs setup as a task with filter, and keeps set_fact out of ansible_facts', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - set_fact: {mine: 1}',
        '    - ansible.builtin.setup:',
        '        filter: ["ansible_distribution*", "ansible_os_family"]',
        '        gather_subset: ["!all", "min"]',
        '      register: got',
        `    - command: "{{ rec }} ${word('ansible_facts.keys() | sort')} ${word('got.ansible_facts.keys() | sort')}"`,
        '    - command: "{{ rec }} {{ \'mine\' in ansible_facts }} {{ ansible_os_family }}"',
        '',
      ].join('\n'),
    });
    expectSame(r);
  }, 240_000);
});
