import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RootHost } from '../support/root-host.js';
import { createRpmRepo, rpmState, type RpmRepo } from '../support/rpm-repo.js';
import { startTwinRootHosts, type TwinRootHosts } from '../support/twin-root-hosts.js';

/**
 * ansible-playbook's dnf module (dnf's Python API) and runbook's (the dnf command line), each on its own root
 * host with the same local repository: every task must end the same way and leave rpm with the same packages.
 */

const PACKAGES = ['runbook-rpm', 'runbook-other'];

let twins: TwinRootHosts;
let repo: RpmRepo;

beforeAll(async () => {
  repo = await createRpmRepo();
  await repo.build({ name: 'runbook-rpm', version: '1.0', files: { VERSION: '1.0' } });
  await repo.build({ name: 'runbook-other', version: '1.0', files: { VERSION: '1.0' } });
  await repo.publish();
  twins = await startTwinRootHosts(
    (host) => repo.attach(host),
    (host: RootHost) => Promise.all(PACKAGES.map((p) => rpmState(host, p))),
  );
}, 120_000);

afterAll(async () => {
  await twins?.stop();
  await repo?.remove();
});

describe('dnf against Ansible on the same host state', { timeout: 600_000 }, () => {
  it('ends every task the same way, under --check and for real, with the same packages after', async () => {
    const tasks = [
      '- dnf: { name: runbook-rpm }',
      '- dnf: { name: [runbook-rpm, runbook-other], state: latest }',
      '- dnf: { name: runbook-other, state: absent }',
    ];
    await twins.same(tasks, { check: true });
    expect(await rpmState(twins.runbookHost, 'runbook-rpm')).toBe('absent');
    expect(await twins.same(tasks.flatMap((t) => [t, t]))).toEqual(['changed', 'ok', 'changed', 'ok', 'changed', 'ok']);

    await repo.build({ name: 'runbook-rpm', version: '2.0', files: { VERSION: '2.0' } });
    await repo.publish();
    const upgrade = [
      '- dnf: { name: runbook-rpm, update_cache: true }',
      '- dnf: { name: runbook-rpm, state: latest }',
      '- dnf: { name: runbook-rpm, state: latest }',
      '- dnf: { name: runbook-rpm, state: removed }',
    ];
    await twins.same(upgrade, { check: true });
    expect(await twins.same(upgrade)).toEqual(['ok', 'changed', 'ok', 'changed']);
    expect(await twins.same(['- dnf: { name: runbook-nowhere }'])).toEqual(['failed']);
  });
});
