import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesOf, startFleet, type Fleet } from '../support/ansible.js';
import { expectSame } from '../support/ansible-compare.js';

/**
 * meta actions, end_play across serial batches, and any_errors_fatal under runbook's default strategy, each
 * run through ansible-playbook and through runbook against the same two OpenSSH servers.
 */
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet(['h1', 'h2']);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
});

/**
 * h1 fails an any_errors_fatal task; h2, at the same task, finishes only once h1's failure is in the log,
 * so under runbook's free strategy h2 is still inside the enclosing block, include or role when it stops.
 */
const FATAL_PAIR = [
  '- name: first',
  '  any_errors_fatal: true',
  '  shell: >-',
  "    {% if inventory_hostname == 'h1' %}{{ rec }} fail-one{% else %}",
  '    n=0; while ! grep -q fail-one "$(dirname {{ rec }})/log" && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done;',
  '    sleep 1; {{ rec }} waited{% endif %}',
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
