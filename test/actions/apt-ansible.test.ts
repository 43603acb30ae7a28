import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAptRepo, dpkgState, type AptRepo } from '../support/apt-repo.js';
import type { RootHost } from '../support/root-host.js';
import { startTwinRootHosts, type TwinRootHosts } from '../support/twin-root-hosts.js';

/**
 * ansible-playbook's apt module and runbook's, each on its own root host in the same starting state, with the
 * same local repository: every task must end the same way (ok, changed or failed), under --check and for
 * real, and leave dpkg with the same packages at the same versions.
 */

const PACKAGES = ['runbook-hello', 'runbook-tool'];

let twins: TwinRootHosts;
let repo: AptRepo;
let hello2 = '';

beforeAll(async () => {
  repo = await createAptRepo();
  await repo.build({ name: 'runbook-hello', version: '1.0', files: { VERSION: '1.0\n' } });
  hello2 = await repo.build({ name: 'runbook-hello', version: '2.0', files: { VERSION: '2.0\n' } });
  await repo.build({
    name: 'runbook-tool',
    version: '1.0',
    files: { 'tool.conf': 'level 1\n' },
    conffiles: ['tool.conf'],
  });
  await repo.publish();
  twins = await startTwinRootHosts(
    async (host) => {
      await repo.attach(host);
      await host.exec(['apt-get', 'update', '-q']);
    },
    (host: RootHost) => Promise.all(PACKAGES.map((p) => dpkgState(host, p))),
  );
}, 120_000);

afterAll(async () => {
  await twins?.stop();
  await repo?.remove();
});

describe('apt against Ansible on the same host state', { timeout: 600_000 }, () => {
  it('ends every task the same way, under --check and for real, with the same packages after', async () => {
    const tasks = [
      '- apt: { name: runbook-hello }',
      '- apt: { name: runbook-hello=1.0, allow_downgrade: true }',
      '- apt: { name: [runbook-hello, runbook-tool], state: latest }',
      '- apt: { name: "runbook-hello=1.*", allow_downgrade: true }',
      '- apt: { name: runbook-tool, state: absent }',
      '- apt: { name: runbook-tool, state: absent, purge: true }',
      `- apt: { deb: ${hello2} }`,
    ];
    const before = await dpkgState(twins.runbookHost, 'runbook-hello');
    await twins.same(tasks, { check: true });
    expect(await dpkgState(twins.runbookHost, 'runbook-hello')).toBe(before);
    expect(await twins.same(tasks)).toContain('changed');
    // Each task twice in a row: a task that changed something is ok the second time.
    const twice = await twins.same(['- apt: { update_cache: true }', ...tasks.flatMap((t) => [t, t])]);
    expect(twice.filter((s, i) => i % 2 === 1 && s === 'changed').length).toBeGreaterThan(0);
    await twins.same(tasks, { check: true });
    expect(await twins.same(['- apt: { name: runbook-nowhere }'])).toEqual(['failed']);
  });

  it("package picks apt on this host as Ansible's detection does, then does what apt does", async () => {
    const tasks = [
      '- package: { name: runbook-tool, state: present }',
      '- package: { name: runbook-tool }',
      '- package: { name: runbook-tool, state: absent, purge: true }',
    ];
    expect(await twins.same(tasks)).toEqual(['changed', 'ok', 'changed']);
  });
});
