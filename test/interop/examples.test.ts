import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../support/ansible.js';

/**
 * Public example playbooks (playbooks/ansible-examples, unchanged from upstream) run through ansible-playbook
 * and runbook against the same OpenSSH hosts. Facts are not gathered by either (these plays read no fact, so
 * runbook does not gather; ANSIBLE_GATHERING=explicit makes Ansible skip the implicit step), so the recaps
 * count the same tasks.
 */
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet(['h1', 'h2']);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
});

async function example(name: string): Promise<Record<string, string>> {
  return { 'site.yml': await readFile(new URL(`../../playbooks/ansible-examples/${name}`, import.meta.url), 'utf8') };
}

interface Report {
  hosts: Array<{ name: string; tasks: Array<{ name: string; stdout: string; status: string; delegated_to?: string }> }>;
}

describe('ansible-examples', () => {
  it("delegation.yml: delegates to the controller around each host's own command, in batches of 5", async () => {
    const files = await example('delegation.yml');
    const env = { ANSIBLE_GATHERING: 'explicit' };
    const ansible = await fleet.ansible(files, { env });
    const runbook = await fleet.runbook(files, { env, args: ['--json'] });
    expect(runbook.code, runbook.stderr).toBe(0);
    expect(runbook.recap).toEqual(ansible.recap);
    const report = JSON.parse(runbook.stdout) as Report;
    const h1 = report.hosts.find((h) => h.name === 'h1')!;
    expect(h1.tasks.map((t) => [t.name, t.stdout.trim(), t.delegated_to ?? null])).toEqual([
      ['take the machine out of rotation', 'taking out of rotation h1', '127.0.0.1'],
      ['do several things on the actual host', 'hi mom h1', null],
      ['put machine back into rotation', 'inserting into rotation h1', '127.0.0.1'],
    ]);
  }, 120_000);

  it('conditionals_part2.yml: runs and skips the tasks its when conditions choose', async () => {
    const files = await example('conditionals_part2.yml');
    const env = { ANSIBLE_GATHERING: 'explicit' };
    const ansible = await fleet.ansible(files, { env });
    const runbook = await fleet.runbook(files, { env, args: ['--json'] });
    expect(runbook.code, runbook.stderr).toBe(0);
    expect(runbook.recap).toEqual(ansible.recap);
    const report = JSON.parse(runbook.stdout) as Report;
    expect(report.hosts[0]!.tasks.map((t) => t.status)).toEqual([
      'skipped',
      'changed',
      'changed',
      'changed',
      'changed',
      'skipped',
    ]);
  }, 120_000);
});
