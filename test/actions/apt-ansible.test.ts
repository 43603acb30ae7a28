import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { createAptRepo, dpkgState, type AptRepo } from '../support/apt-repo.js';
import { runCli } from '../support/cli.js';
import { startRootHost, type RootHost } from '../support/root-host.js';

/**
 * ansible-playbook's apt module and runbook's, each on its own root host in the same starting state, with the
 * same local repository: every task must end the same way (ok, changed or failed), under --check and for
 * real, and leave dpkg with the same packages at the same versions.
 */

const run = promisify(execFile);
const PACKAGES = ['runbook-hello', 'runbook-tool'];

let ansibleHost: RootHost;
let runbookHost: RootHost;
let repo: AptRepo;
let dir: string;
let hello2 = '';

beforeAll(async () => {
  [ansibleHost, runbookHost] = await Promise.all([startRootHost(), startRootHost()]);
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
  for (const host of [ansibleHost, runbookHost]) {
    await repo.attach(host);
    await host.exec(['apt-get', 'update', '-q']);
  }
  dir = mkdtempSync(join(tmpdir(), 'runbook-apt-ansible-'));
}, 120_000);

afterAll(async () => {
  await Promise.all([ansibleHost?.stop(), runbookHost?.stop()]);
  await repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function inventory(host: RootHost, name: string): string {
  const path = join(dir, `${name}.yml`);
  const vars = {
    ansible_host: host.host,
    ansible_port: host.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: host.keyPath,
    user: 'root',
    key_file: host.keyPath,
    known_hosts: host.knownHostsPath,
  };
  writeFileSync(path, `all:\n  hosts:\n    box: ${JSON.stringify(vars)}\n`);
  return path;
}

interface AnsibleJson {
  plays: { tasks: { hosts: Record<string, { changed?: boolean; failed?: boolean; skipped?: boolean }> }[] }[];
}

async function ansible(site: string, check: boolean): Promise<string[]> {
  const args = ['-i', inventory(ansibleHost, 'ansible'), site, ...(check ? ['--check'] : [])];
  let stdout: string;
  try {
    stdout = (await run('ansible-playbook', args, { env: ansibleEnv(), timeout: 300_000, maxBuffer: 32 << 20 })).stdout;
  } catch (err) {
    // A failed host makes ansible-playbook exit 2; its report is still on stdout.
    stdout = (err as { stdout?: string }).stdout ?? '';
  }
  const report = JSON.parse(stdout) as AnsibleJson;
  return report.plays[0]!.tasks.map((t) => {
    const r = t.hosts.box;
    if (!r) return 'not run';
    return r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok';
  });
}

function ansibleEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_HOME: join(dir, '.ansible'),
    ANSIBLE_LOCAL_TEMP: join(dir, '.ansible', 'tmp'),
    ANSIBLE_SSH_ARGS:
      `-o UserKnownHostsFile="${ansibleHost.knownHostsPath}" ` + '-o StrictHostKeyChecking=yes -o ControlMaster=no',
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_PIPELINING: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    ANSIBLE_NOCOLOR: '1',
  };
}

async function runbook(site: string, check: boolean): Promise<string[]> {
  const r = await runCli([
    'apply',
    site,
    '-i',
    inventory(runbookHost, 'runbook'),
    '--json',
    '--run-dir',
    dir,
    ...(check ? ['--check'] : []),
  ]);
  if (!r.stdout.startsWith('{')) throw new Error(`no report: ${r.stderr}`);
  const tasks = (JSON.parse(r.stdout) as RunReport).hosts[0]!.tasks;
  return tasks.map((t) => t.status);
}

async function packages(host: RootHost): Promise<string[]> {
  return Promise.all(PACKAGES.map((p) => dpkgState(host, p)));
}

/** Runs the tasks with both tools and expects the same ending for every task and the same packages after. */
async function same(tasks: string[], check = false): Promise<string[]> {
  const site = join(dir, 'site.yml');
  writeFileSync(
    site,
    ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks.map((t) => `    ${t}`), ''].join('\n'),
  );
  const [byAnsible, byRunbook] = await Promise.all([ansible(site, check), runbook(site, check)]);
  expect(byRunbook).toEqual(byAnsible.filter((s) => s !== 'not run'));
  expect(await packages(runbookHost)).toEqual(await packages(ansibleHost));
  return byRunbook;
}

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
    const before = await packages(runbookHost);
    await same(tasks, true);
    expect(await packages(runbookHost)).toEqual(before);
    expect(await same(tasks)).toContain('changed');
    // Each task twice in a row: a task that changed something is ok the second time.
    const twice = await same(['- apt: { update_cache: true }', ...tasks.flatMap((t) => [t, t])]);
    expect(twice.filter((s, i) => i % 2 === 1 && s === 'changed').length).toBeGreaterThan(0);
    await same(tasks, true);
    expect(await same(['- apt: { name: runbook-nowhere }'])).toEqual(['failed']);
  });
});
