import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesOf, startFleet, type Fleet } from '../support/ansible.js';
import { expectSame } from '../support/ansible-compare.js';

/**
 * More of Ansible's playbook semantics, each run through ansible-playbook and through runbook against the
 * same two OpenSSH servers: each host must have run the same commands, in the same order, with the same recap.
 */
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet(['h1', 'h2']);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
});

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
