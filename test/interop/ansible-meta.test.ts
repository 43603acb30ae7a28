import { describe, expect, it } from 'vitest';
import { fleetForFile, linesOf } from '../support/ansible.js';
import { expectSame, perHost } from '../support/ansible-compare.js';

/**
 * meta actions, end_play across serial batches, and any_errors_fatal under runbook's default strategy, each
 * run through ansible-playbook and through runbook against the same two OpenSSH servers.
 */
const fleet = fleetForFile(['h1', 'h2']);

/**
 * h1 fails an any_errors_fatal task once h2 is inside the same task (h2 leaves a mark beside the log); h2
 * finishes it only once h1's failure is in the log and h1's SSH connection has closed (the tool has taken in
 * that failure by then), so under runbook's free strategy h2 is still inside the enclosing block, include or
 * role when it stops. Every wait is bounded, so a broken run fails instead of hanging.
 */
const FATAL_PAIR = [
  '- name: first',
  '  any_errors_fatal: true',
  '  shell: >-',
  '    shared="$(dirname {{ rec }})"; mark="$shared/h2-inside-{{ playbook_dir | basename }}";',
  "    {% if inventory_hostname == 'h1' %}",
  '    n=0; while [ ! -e "$mark" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done;',
  '    {{ rec }} fail-one{% else %}',
  '    touch "$mark";',
  '    n=0; while ! grep -q fail-one "$shared/log" && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done;',
  "    port=$(printf ':%04X' {{ hostvars['h1'].ansible_port }}); n=0;",
  '    while awk -v p="$port" \'$4 == "01" && ($2 ~ p"$" || $3 ~ p"$") { found = 1 } END { exit !found }\'',
  '    /proc/net/tcp /proc/net/tcp6 && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done;',
  '    {{ rec }} waited{% endif %}',
  '- name: second',
  '  command: "{{ rec }} second"',
  '',
].join('\n');

const indent = (text: string, by: number): string =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : ' '.repeat(by) + l))
    .join('\n');

describe('any_errors_fatal under the default strategy', () => {
  const head = (strategy: string): string => `- hosts: all\n  gather_facts: no\n${strategy}`;
  const shapes: Record<string, (strategy: string) => Record<string, string>> = {
    block: (s) => ({ 'site.yml': `${head(s)}  tasks:\n    - block:\n${indent(FATAL_PAIR, 8)}` }),
    include: (s) => ({
      'site.yml': `${head(s)}  tasks:\n    - include_tasks: pair.yml\n    - command: "{{ rec }} after"\n`,
      'pair.yml': FATAL_PAIR,
    }),
    role: (s) => ({
      'site.yml': `${head(s)}  roles: [pair]\n  tasks:\n    - command: "{{ rec }} after"\n`,
      'roles/pair/tasks/main.yml': FATAL_PAIR,
    }),
  };

  for (const [shape, files] of Object.entries(shapes)) {
    it(`stops the other host at its next task inside a ${shape}, as ansible-playbook's linear does`, async () => {
      // Runbook's default is free; ansible-playbook's is linear, the strategy that honours any_errors_fatal.
      const r = await fleet.both(files(''));
      expectSame(r);
      expect(linesOf(r.runbook, 'h2')).toEqual(['runbook-sshd-test waited']);
      // ansible-playbook's free strategy ignores any_errors_fatal (it warns): h2 goes on. runbook's does not.
      const free = await fleet.ansible(files('  strategy: free\n'));
      expect(linesOf(free, 'h2')).toContain('runbook-sshd-test second');
      const own = await fleet.runbook(files('  strategy: free\n'));
      expect(linesOf(own, 'h2')).toEqual(['runbook-sshd-test waited']);
    }, 180_000);
  }
});

describe('meta actions', () => {
  it('ends the play with meta: end_play under serial: later batches never start, the next play runs', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  serial: 1',
        '  tasks:',
        '    - command: "{{ rec }} one"',
        '    - meta: end_play',
        '    - command: "{{ rec }} never"',
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} second-play"',
        '',
      ].join('\n'),
    });
    expectSame(r);
    expect(linesOf(r.runbook, 'h2')).toEqual(['runbook-sshd-test second-play']);
  }, 120_000);

  it('ends only the batch with meta: end_batch: the next batch runs, handlers do not', async () => {
    for (const head of ['  serial: 1\n', '  strategy: linear\n']) {
      const r = await fleet.both({
        'site.yml': [
          '- hosts: all',
          '  gather_facts: no',
          `${head}  tasks:`,
          '    - command: "{{ rec }} one"',
          '      notify: h',
          '    - meta: end_batch',
          '      when: inventory_hostname == "h1"',
          '    - command: "{{ rec }} two"',
          '  handlers:',
          '    - name: h',
          '      command: "{{ rec }} handler"',
          '',
        ].join('\n'),
      });
      expectSame(r);
    }
  }, 180_000);

  it('forgets gathered facts on clear_facts, keeps set_fact and register; takes refresh_inventory', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: yes',
        '  gather_subset: [min]',
        '  tasks:',
        '    - command: "{{ rec }} gathered {{ ansible_facts.system is defined }}"',
        '    - set_fact: { plain: p }',
        '    - set_fact: { cached: c, cacheable: yes }',
        '    - command: "{{ rec }} one"',
        '      register: one',
        '    - meta: clear_facts',
        '    - meta: refresh_inventory',
        '    - meta: noop',
        '    - command: "{{ rec }} {{ plain }} {{ cached }} {{ one.rc }} {{ ansible_facts.system is defined }}"',
        '',
      ].join('\n'),
    });
    expectSame(r);
    expect(linesOf(r.runbook, 'h1')).toEqual([
      'runbook-sshd-test gathered True',
      'runbook-sshd-test one',
      'runbook-sshd-test p c 0 False',
    ]);
  }, 120_000);

  it('opens a new connection for the next task after meta: reset_connection', async () => {
    // The client's source port names the TCP connection a task ran over.
    const port = [
      'shell: >-',
      '  p=$(echo "$SSH_CLIENT" | cut -d" " -f2); f="$(dirname {{ rec }})/port-{{ inventory_hostname }}";',
      '  if [ "$(cat "$f" 2>/dev/null)" = "$p" ]; then w=same; else w=new; fi; echo "$p" > "$f"; {{ rec }} $w',
    ];
    const task = (name: string): string[] => [`    - name: ${name}`, ...port.map((l) => `      ${l}`)];
    const r = await fleet.both(
      {
        'site.yml': [
          '- hosts: all',
          '  gather_facts: no',
          '  tasks:',
          ...task('first'),
          ...task('again'),
          '    - meta: reset_connection',
          ...task('after reset'),
          ...task('after that'),
          '',
        ].join('\n'),
      },
      // Ansible keeps one connection per host only with a persistent master; its reset stops the master.
      {
        env: {
          ANSIBLE_SSH_ARGS:
            `-o UserKnownHostsFile="${fleet.servers.map((s) => s.knownHostsPath).join(' ')}" ` +
            '-o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=2s',
        },
      },
    );
    expectSame(r);
    expect(linesOf(r.runbook, 'h1').map((l) => l.split(' ')[1])).toEqual(['new', 'same', 'new', 'same']);
  }, 120_000);

  it('lets hosts failed earlier in the play run the next play after meta: clear_host_errors', async () => {
    const r = await fleet.both({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  strategy: linear',
        '  tasks:',
        '    - command: "{{ rec }} fail-one"',
        '      when: inventory_hostname == "h1"',
        '    - meta: clear_host_errors',
        '    - command: "{{ rec }} after"',
        '- hosts: all',
        '  gather_facts: no',
        '  tasks:',
        '    - command: "{{ rec }} second-play"',
        '',
      ].join('\n'),
    });
    expect(perHost(r.runbook), r.runbook.stderr).toEqual(perHost(r.ansible));
    expect(r.runbook.recap).toEqual(r.ansible.recap);
    expect(linesOf(r.runbook, 'h1')).toEqual(['runbook-sshd-test fail-one', 'runbook-sshd-test second-play']);
    // ansible-playbook's exit code forgets the cleared failure; runbook's still reports the host that failed.
    expect([r.ansible.code, r.runbook.code]).toEqual([0, 2]);
  }, 120_000);
});
