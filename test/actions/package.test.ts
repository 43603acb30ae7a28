import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/engine/results.js';
import { createAptRepo, dpkgState, type AptRepo } from '../support/apt-repo.js';
import { applyTasks, boxInventory, statuses } from '../support/box.js';
import { startRootHost, type RootHost } from '../support/root-host.js';
import { createRpmRepo, rpmState, type RpmRepo } from '../support/rpm-repo.js';

/**
 * dnf against a real dnf on a root host (Debian's dnf and rpm, with RPMs built here and a local repository),
 * and package choosing apt or dnf: from use:, from the pkg_mgr fact, or detected on the host as Ansible does.
 */

let host: RootHost;
let debs: AptRepo;
let rpms: RpmRepo;
let dir: string;

beforeAll(async () => {
  host = await startRootHost();
  debs = await createAptRepo();
  await debs.build({ name: 'runbook-deb', version: '1.0', files: { VERSION: '1.0\n' } });
  await debs.publish();
  await debs.attach(host);
  rpms = await createRpmRepo();
  await rpms.build({ name: 'runbook-rpm', version: '1.0', files: { VERSION: '1.0' } });
  await rpms.publish();
  await rpms.attach(host);
  dir = mkdtempSync(join(tmpdir(), 'runbook-package-'));
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await debs?.remove();
  await rpms?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function apply(tasks: string[], opts: { flags?: string[]; hostVars?: string } = {}): Promise<TaskResult[]> {
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(inventory, boxInventory(host, opts.hostVars));
  return applyTasks({ dir, inventory }, tasks, opts.flags);
}

describe('dnf on a real host', { timeout: 240_000 }, () => {
  it('installs, upgrades to latest and removes once each, and --check changes nothing', async () => {
    const install = [
      '- dnf: { name: runbook-rpm, update_cache: true }',
      '  register: r',
      '- debug: { var: r.results }',
    ];
    const check = await apply(install, { flags: ['--check'] });
    expect(statuses(check)).toEqual(['changed', 'ok']);
    expect(check[1]!.stdout).toContain('Installed: runbook-rpm-1.0-1.noarch');
    expect(await rpmState(host, 'runbook-rpm')).toBe('absent');
    const first = await apply(install);
    expect(statuses(first)).toEqual(['changed', 'ok']);
    expect(first[1]!.stdout).toContain('Installed: runbook-rpm-1.0-1.noarch');
    expect(await rpmState(host, 'runbook-rpm')).toBe('runbook-rpm-1.0-1.noarch');
    expect((await host.exec(['cat', '/srv/runbook-rpm/VERSION'])).stdout).toBe('1.0\n');
    expect(statuses(await apply(install))).toEqual(['ok', 'ok']);

    await rpms.build({ name: 'runbook-rpm', version: '2.0', files: { VERSION: '2.0' } });
    await rpms.publish();
    // present is met by the installed version.
    expect(statuses(await apply(['- dnf: { name: runbook-rpm, update_cache: true }']))).toEqual(['ok']);
    const latest = ['- dnf: { name: runbook-rpm, state: latest }'];
    expect(statuses(await apply(latest, { flags: ['--check'] }))).toEqual(['changed']);
    expect(await rpmState(host, 'runbook-rpm')).toBe('runbook-rpm-1.0-1.noarch');
    expect(statuses(await apply(latest))).toEqual(['changed']);
    expect(await rpmState(host, 'runbook-rpm')).toBe('runbook-rpm-2.0-1.noarch');
    expect(statuses(await apply(latest))).toEqual(['ok']);

    const remove = ['- dnf: { name: runbook-rpm, state: removed }'];
    expect(statuses(await apply(remove, { flags: ['--check'] }))).toEqual(['changed']);
    expect(await rpmState(host, 'runbook-rpm')).toBe('runbook-rpm-2.0-1.noarch');
    expect(statuses(await apply(remove))).toEqual(['changed']);
    expect(await rpmState(host, 'runbook-rpm')).toBe('absent');
    expect(statuses(await apply(remove))).toEqual(['ok']);
  });

  it('fails on a package no repository has', async () => {
    const [task] = await apply(['- dnf: { name: runbook-nowhere }']);
    expect(task!.status).toBe('failed');
    expect(task!.error).toBe('Failed to install some of the specified packages');
  });
});

describe('package on a real host', { timeout: 240_000 }, () => {
  it("uses the host's manager as Ansible detects it (apt where apt-get is), or the one use: names", async () => {
    const viaDetect = ['- package: { name: runbook-deb, state: present, update_cache: true }'];
    expect(statuses(await apply(viaDetect))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-deb')).toBe('install ok installed 1.0');
    expect(statuses(await apply(viaDetect))).toEqual(['ok']);

    const viaUse = ['- package: { name: runbook-rpm, use: dnf }'];
    expect(statuses(await apply(viaUse))).toEqual(['changed']);
    expect(await rpmState(host, 'runbook-rpm')).toMatch(/^runbook-rpm-[12]\.0-1\.noarch$/);
    expect(statuses(await apply(viaUse))).toEqual(['ok']);
  });

  it('follows the pkg_mgr fact when there is one, and refuses what that manager does not take', async () => {
    const remove = ['- package: { name: runbook-rpm, state: absent }'];
    expect(statuses(await apply(remove, { hostVars: 'ansible_pkg_mgr: dnf' }))).toEqual(['changed']);
    expect(await rpmState(host, 'runbook-rpm')).toBe('absent');
    const [wrong] = await apply(['- package: { name: runbook-rpm, purge: true }'], {
      hostVars: 'ansible_facts: { pkg_mgr: dnf }',
    });
    expect(wrong!.status).toBe('failed');
    expect(wrong!.error).toBe('Unsupported parameters for (dnf) module: purge');
    const [unknown] = await apply(['- package: { name: x, use: pacman }']);
    expect(unknown!.error).toBe('Could not find a module for pacman (runbook drives apt and dnf).');
  });
});
