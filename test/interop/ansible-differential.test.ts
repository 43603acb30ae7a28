import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesOf, startFleet, type Fleet, type ToolRun } from '../support/ansible.js';

/**
 * ansible-playbook is the oracle: each playbook runs through it and through runbook against the same two
 * OpenSSH servers, and each host must have run the same commands, in the same order, with the same recap.
 */
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet(['h1', 'h2']);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
});

/** What each host (and the controller) ran, in order. */
function perHost(run: ToolRun): Record<string, string[]> {
  return Object.fromEntries(['h1', 'h2', 'controller'].map((h) => [h, linesOf(run, h)]));
}

function expectSame(r: { ansible: ToolRun; runbook: ToolRun }): void {
  expect(r.ansible.recap, r.ansible.stdout + r.ansible.stderr).not.toEqual({});
  expect(perHost(r.runbook), r.runbook.stderr).toEqual(perHost(r.ansible));
  expect(r.runbook.recap).toEqual(r.ansible.recap);
  expect(r.runbook.code).toBe(r.ansible.code);
}

const play = (body: string, head = ''): Record<string, string> => ({
  'site.yml': `- hosts: all\n  gather_facts: no\n${head}  tasks:\n${body}`,
});

describe('loops', () => {
  it('runs loop, with_items, with_list, with_dict and with_indexed_items item by item, and registers results', async () => {
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
          '      loop: "{{ [\'m\', \'n\'] }}"',
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

  it('skips a failed host\'s handlers, unless --force-handlers', async () => {
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
    for (const args of [[], ['--tags', 'one'], ['--tags', 'debug,inner'], ['--skip-tags', 'always'], ['--tags', 'blocktag', '--skip-tags', 'inner']]) {
      const [ansible, runbook] = [await fleet.ansible(files, { args }), await fleet.runbook(files, { args })];
      expect(perHost(runbook), `${args.join(' ')}\n${runbook.stderr}`).toEqual(perHost(ansible));
      expect(runbook.recap).toEqual(ansible.recap);
    }
  }, 300_000);

  it('lists tasks and tags in ansible-playbook\'s layout', async () => {
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
        env: { ...process.env, ANSIBLE_HOME: join(at, '.ansible'), ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: '0' },
      });
      const runbook = await runCli(['plan', 'site.yml', ...flags], { cwd: at });
      expect(runbook.stdout, flags.join(' ')).toBe(ansible.stdout);
    }
  }, 120_000);
});

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
    'roles/web/tasks/main.yml': '- command: "{{ rec }} web {{ port }} {{ site }} {{ role_var }}"\n  notify: reload web\n- import_tasks: more.yml\n',
    'roles/web/tasks/more.yml': '- command: "{{ rec }} web-more"\n',
    'roles/web/handlers/main.yml': '- name: reload web\n  command: "{{ rec }} web-handler"\n',
    'roles/base/tasks/main.yml': '- command: "{{ rec }} base"\n',
  };

  it('runs roles (defaults, vars, meta dependencies, handlers), imports, includes and vars files in Ansible\'s order', async () => {
    expectSame(await fleet.both(files));
  }, 180_000);
});

describe('where a task runs', () => {
  it('runs delegate_to, local_action, connection: local and hosts: localhost on the host or controller Ansible picks', async () => {
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
      h2: expect.arrayContaining(['runbook-sshd-test own h2', 'runbook-sshd-test delegated-for h1', 'runbook-sshd-test delegated-for h2']),
      controller: expect.arrayContaining(['root implicit-localhost']),
    });
    // Order across hosts differs with the strategy; per machine, the multiset and each host's own order match.
    for (const where of ['h1', 'h2', 'controller']) {
      expect([...linesOf(r.runbook, where)].sort()).toEqual([...linesOf(r.ansible, where)].sort());
    }
    expect(r.runbook.recap).toEqual(r.ansible.recap);
    expect(r.runbook.code).toBe(r.ansible.code);
  }, 180_000);

  it('runs a run_once task on the first host only and gives its result to the batch, under strategy linear', async () => {
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

  it('moves task by task across the batch under strategy linear, and stops every host on any_errors_fatal', async () => {
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
    // ansible-playbook exits 2; runbook says the run was halted (3), as for its other stop rules.
    expect([r.ansible.code, r.runbook.code]).toEqual([2, 3]);
    // Linear: both hosts finish a step before either starts the next.
    const steps = r.runbook.lines.map((l) => l.split(' ')[2]);
    expect(steps.slice(0, 4)).toEqual(['step1', 'step1', 'step2', 'step2']);
  }, 120_000);
});

describe('task keywords', () => {
  it('applies environment, chdir, creates/removes, check_mode, ignore_errors, assert messages and no_log as Ansible does', async () => {
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

  it('keeps a no_log task\'s output out of the report', async () => {
    const r = await fleet.runbook(play('    - name: quiet\n      command: "sh -c \'{{ rec }} hidden; echo the-secret-$((6 * 7))\'"\n      no_log: true\n'), { args: ['--json'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('the-secret-42');
    expect(r.stdout).toContain('the output has been hidden');
  }, 60_000);
});
