import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/engine/results.js';
import { createAptRepo, dpkgState, type AptRepo } from '../support/apt-repo.js';
import { applyTasks, boxInventory, statuses } from '../support/box.js';
import { startRootHost, type RootHost } from '../support/root-host.js';

/**
 * The apt module against a real root host (its own mount namespace, so dpkg's database is a private copy):
 * packages built here, served from a local repository; install, latest, versions, remove, purge, deb files;
 * a second run changes nothing, --check leaves dpkg's view exactly as it was.
 */

let host: RootHost;
let repo: AptRepo;
let dir: string;
let inventory: string;
let hello2 = '';

const INSTALLED = 'install ok installed';

beforeAll(async () => {
  host = await startRootHost();
  repo = await createAptRepo();
  await repo.build({ name: 'runbook-hello', version: '1.0', files: { VERSION: '1.0\n' } });
  await repo.build({
    name: 'runbook-tool',
    version: '1.0',
    files: { 'tool.conf': 'level 1\n', bin: 'tool\n' },
    conffiles: ['tool.conf'],
  });
  await repo.publish();
  await repo.attach(host);
  dir = mkdtempSync(join(tmpdir(), 'runbook-apt-'));
  inventory = join(dir, 'inventory.yml');
  writeFileSync(inventory, boxInventory(host));
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const apply = (tasks: string[], ...flags: string[]): Promise<TaskResult[]> =>
  applyTasks({ dir, inventory }, tasks, flags);

/** Pids of the host's processes (its mount namespace: other tests may run apt-get too) matching a pattern. */
async function inNamespace(pattern: string): Promise<string[]> {
  const script =
    'for p in $(pgrep -f "$1"); do ' +
    '[ "$(readlink /proc/$p/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ] && echo "$p"; done; true';
  return (await host.exec(['sh', '-c', script, 'sh', pattern])).stdout.split('\n').filter((l) => l !== '');
}

/** Polls until the condition holds (a bounded number of tries, so a broken setup fails instead of hanging). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition never held');
}

// Each case runs runbook several times, and apt with it.
describe('apt on a real host', { timeout: 240_000 }, () => {
  it('updates the cache, installs once, and changes nothing under --check', async () => {
    // The lists changed just now: an update within the same second is still seen as one.
    await host.exec(['touch', '/var/lib/apt/lists']);
    const update = await apply([
      '- apt: { update_cache: true }',
      '  register: up',
      '- debug: { msg: "{{ up.cache_updated }}" }',
    ]);
    expect(statuses(update)).toEqual(['changed', 'ok']);
    expect(update[1]!.stdout).toBe('True');

    const tasks = ['- name: hello', '  apt: { name: runbook-hello }'];
    const check = await apply(tasks, '--check', '--diff');
    expect(statuses(check)).toEqual(['changed']);
    // apt-get --simulate said what it would do, and that is what --diff shows.
    expect(check[0]!.diff).toContain('The following NEW packages will be installed:\n  runbook-hello');
    expect(check[0]!.stdout).toContain('Inst runbook-hello (1.0');
    expect(await dpkgState(host, 'runbook-hello')).not.toContain(INSTALLED);

    expect(statuses(await apply(tasks))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-hello')).toBe(`${INSTALLED} 1.0`);
    expect((await host.exec(['cat', '/srv/runbook-hello/VERSION'])).stdout).toBe('1.0\n');
    expect(statuses(await apply(tasks))).toEqual(['ok']);
    expect(statuses(await apply(tasks, '--check'))).toEqual(['ok']);

    // A list (one already there) installs what is missing; a comma-separated string is the same list.
    const both = ['- apt: { name: [runbook-hello, runbook-tool], state: present }'];
    expect(statuses(await apply(both))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-tool')).toBe(`${INSTALLED} 1.0`);
    expect(statuses(await apply(['- apt: name=runbook-hello,runbook-tool state=installed']))).toEqual(['ok']);
  });

  it('latest upgrades to a newly published version; name=version pins one', async () => {
    hello2 = await repo.build({ name: 'runbook-hello', version: '2.0', files: { VERSION: '2.0\n' } });
    await repo.publish();
    // present is satisfied by any version, even with a newer one to be had.
    const present = await apply([
      '- apt: { name: runbook-hello, update_cache: true }',
      '  register: r',
      '- debug: { var: r.cache_updated }',
    ]);
    expect(statuses(present)).toEqual(['ok', 'ok']);
    expect(present[1]!.stdout).toContain('true');

    const latest = [
      '- apt: { name: runbook-hello, state: latest, cache_valid_time: 3600 }',
      '  register: r',
      '- debug: { var: r.cache_updated }',
    ];
    const check = await apply(latest, '--check');
    expect(statuses(check)).toEqual(['changed', 'ok']);
    expect(await dpkgState(host, 'runbook-hello')).toBe(`${INSTALLED} 1.0`);
    const first = await apply(latest);
    expect(statuses(first)).toEqual(['changed', 'ok']);
    // The cache was fresh (cache_valid_time), so it was not updated again.
    expect(first[1]!.stdout).toContain('false');
    expect(await dpkgState(host, 'runbook-hello')).toBe(`${INSTALLED} 2.0`);
    expect(statuses(await apply(latest))).toEqual(['ok', 'ok']);

    const pinned = ['- apt: { name: "runbook-hello=1.0", allow_downgrade: true }'];
    expect(statuses(await apply(pinned))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-hello')).toBe(`${INSTALLED} 1.0`);
    expect(statuses(await apply(pinned))).toEqual(['ok']);
    const glob = ['- apt: { name: "runbook-hello=2.*" }'];
    expect(statuses(await apply(glob))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-hello')).toBe(`${INSTALLED} 2.0`);
    expect(statuses(await apply(glob))).toEqual(['ok']);
  });

  it('removes once, leaves configuration until purged, and --check removes nothing', async () => {
    const remove = ['- apt: { name: runbook-tool, state: absent }'];
    expect(statuses(await apply(remove, '--check'))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-tool')).toBe(`${INSTALLED} 1.0`);
    expect(statuses(await apply(remove))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-tool')).toBe('deinstall ok config-files 1.0');
    expect((await host.exec(['cat', '/srv/runbook-tool/tool.conf'])).stdout).toBe('level 1\n');
    expect(statuses(await apply(remove))).toEqual(['ok']);

    const purge = ['- apt: { name: runbook-tool, state: removed, purge: true }'];
    expect(statuses(await apply(purge))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-tool')).not.toContain('config-files');
    expect((await host.exec(['test', '-e', '/srv/runbook-tool/tool.conf'])).code).not.toBe(0);
    expect(statuses(await apply(purge))).toEqual(['ok']);
  });

  it('installs a .deb file on the host unless that version is installed', async () => {
    await apply(['- apt: { name: runbook-hello, state: absent }']);
    const deb = [`- apt: { deb: ${hello2} }`];
    expect(statuses(await apply(deb, '--check'))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-hello')).not.toContain(INSTALLED);
    expect(statuses(await apply(deb))).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-hello')).toBe(`${INSTALLED} 2.0`);
    expect(statuses(await apply(deb))).toEqual(['ok']);
  });

  it('fails when another apt holds its lock past lock_timeout, and otherwise waits for it', async () => {
    // dpkg's frontend lock, held the way apt holds it (an fcntl lock) by a process in the host's namespace.
    const hold =
      'import fcntl, os, time\n' +
      "f = open('/var/lib/dpkg/lock-frontend', 'w')\n" +
      'fcntl.lockf(f, fcntl.LOCK_EX)\n' +
      "open('/run/runbook-locked', 'w').write(str(os.getpid()))\n" +
      'time.sleep(600)\n';
    await host.exec(['sh', '-c', 'python3 -c "$1" </dev/null >/dev/null 2>&1 &', 'sh', hold]);
    await until(async () => (await host.exec(['test', '-e', '/run/runbook-locked'])).code === 0);
    const holder = (await host.exec(['cat', '/run/runbook-locked'])).stdout.trim();

    const [refused] = await apply(['- apt: { name: runbook-tool, lock_timeout: 1 }']);
    expect(refused!.status).toBe('failed');
    expect(refused!.stderr).toContain('/var/lib/dpkg/lock-frontend');
    expect(await dpkgState(host, 'runbook-tool')).not.toContain(INSTALLED);

    const waiting = apply(['- apt: { name: runbook-tool, lock_timeout: 600 }']);
    // Once apt-get is seen waiting for the lock, the holder lets go.
    await until(async () => (await inNamespace('apt-get .*Lock::Timeout=600')).length > 0);
    await host.exec(['kill', holder]);
    expect(statuses(await waiting)).toEqual(['changed']);
    expect(await dpkgState(host, 'runbook-tool')).toBe(`${INSTALLED} 1.0`);
  });

  it('fails on a package no source has, naming it', async () => {
    const [task] = await apply(['- apt: { name: runbook-nowhere }']);
    expect(task!.status).toBe('failed');
    expect(task!.error).toBe("No package matching 'runbook-nowhere' is available");
  });
});
