import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { runCli } from './cli.js';
import { startRootHost, type RootHost } from './root-host.js';

const run = promisify(execFile);

/**
 * Two root hosts in the same starting state, one driven by ansible-playbook and one by runbook, for differential
 * tests of modules that change system state: every task must end the same way (ok, changed, failed or skipped)
 * and the hosts must end in the same state, as the test reads it.
 */
export interface TwinRootHosts {
  ansibleHost: RootHost;
  runbookHost: RootHost;
  /**
   * Runs the tasks (one play, no facts) with both tools; expects the same ending for each task and the same
   * `state` of both hosts afterwards. Returns runbook's task statuses.
   */
  same(tasks: string[], opts?: { check?: boolean }): Promise<string[]>;
  stop(): Promise<void>;
}

interface AnsibleJson {
  plays: { tasks: { hosts: Record<string, { changed?: boolean; failed?: boolean; skipped?: boolean }> }[] }[];
}

export async function startTwinRootHosts(
  prepare: (host: RootHost) => Promise<void>,
  state: (host: RootHost) => Promise<unknown>,
): Promise<TwinRootHosts> {
  const [ansibleHost, runbookHost] = await Promise.all([startRootHost(), startRootHost()]);
  const dir = mkdtempSync(join(tmpdir(), 'runbook-twins-'));
  try {
    await prepare(ansibleHost);
    await prepare(runbookHost);
  } catch (err) {
    await Promise.all([ansibleHost.stop(), runbookHost.stop()]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const inventory = (host: RootHost, name: string): string => {
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
  };

  const ansible = async (site: string, check: boolean): Promise<string[]> => {
    const args = ['-i', inventory(ansibleHost, 'ansible'), site, ...(check ? ['--check'] : [])];
    const env = {
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
    let stdout: string;
    try {
      stdout = (await run('ansible-playbook', args, { env, timeout: 300_000, maxBuffer: 32 << 20 })).stdout;
    } catch (err) {
      // A failed host makes ansible-playbook exit 2; its report is still on stdout.
      stdout = (err as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(stdout) as AnsibleJson;
    return report.plays[0]!.tasks.flatMap((t) => {
      const r = t.hosts.box;
      // A task after the host failed is listed without the host: it did not run.
      if (!r) return [];
      return [r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok'];
    });
  };

  const runbook = async (site: string, check: boolean): Promise<string[]> => {
    const args = ['apply', site, '-i', inventory(runbookHost, 'runbook'), '--json', '--run-dir', dir];
    const r = await runCli([...args, ...(check ? ['--check'] : [])]);
    if (!r.stdout.startsWith('{')) throw new Error(`no report: ${r.stderr}`);
    return (JSON.parse(r.stdout) as RunReport).hosts[0]!.tasks.map((t) => t.status);
  };

  return {
    ansibleHost,
    runbookHost,
    async same(tasks, opts = {}) {
      const site = join(dir, 'site.yml');
      const play = ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks.map((t) => `    ${t}`), ''];
      writeFileSync(site, play.join('\n'));
      const check = opts.check ?? false;
      const [byAnsible, byRunbook] = await Promise.all([ansible(site, check), runbook(site, check)]);
      expect(byRunbook).toEqual(byAnsible);
      expect(await state(runbookHost)).toEqual(await state(ansibleHost));
      return byRunbook;
    },
    async stop() {
      await Promise.all([ansibleHost.stop(), runbookHost.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
