import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fleetForFile } from '../support/ansible.js';

/**
 * Public example playbooks (playbooks/ansible-examples, unchanged from upstream) run through ansible-playbook
 * and runbook against the same OpenSSH hosts. Facts are not gathered by either (these plays read no fact, so
 * runbook does not gather; ANSIBLE_GATHERING=explicit makes Ansible skip the implicit step), so the recaps
 * count the same tasks.
 */
const fleet = fleetForFile(['h1', 'h2']);

interface Report {
  hosts: Array<{ name: string; tasks: Array<{ name: string; stdout: string; status: string; delegated_to?: string }> }>;
}

/** Runs an example through both tools: runbook must succeed with Ansible's recap. Its JSON report. */
async function runExample(name: string): Promise<Report> {
  const url = new URL(`../../playbooks/ansible-examples/${name}`, import.meta.url);
  const files = { 'site.yml': await readFile(url, 'utf8') };
  const env = { ANSIBLE_GATHERING: 'explicit' };
  const ansible = await fleet.ansible(files, { env });
  const runbook = await fleet.runbook(files, { env, args: ['--json'] });
  expect(runbook.code, runbook.stderr).toBe(0);
  expect(runbook.recap).toEqual(ansible.recap);
  return JSON.parse(runbook.stdout) as Report;
}

describe('ansible-examples', () => {
  it("delegation.yml: delegates to the controller around each host's own command, in batches of 5", async () => {
    const report = await runExample('delegation.yml');
    const h1 = report.hosts.find((h) => h.name === 'h1')!;
    expect(h1.tasks.map((t) => [t.name, t.stdout.trim(), t.delegated_to ?? null])).toEqual([
      ['take the machine out of rotation', 'taking out of rotation h1', '127.0.0.1'],
      ['do several things on the actual host', 'hi mom h1', null],
      ['put machine back into rotation', 'inserting into rotation h1', '127.0.0.1'],
    ]);
  }, 120_000);

  it('conditionals_part2.yml: runs and skips the tasks its when conditions choose', async () => {
    const report = await runExample('conditionals_part2.yml');
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
