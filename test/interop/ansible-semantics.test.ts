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
