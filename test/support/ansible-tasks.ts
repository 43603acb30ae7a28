import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TaskResult } from '../../src/engine/results.js';
import { ansibleEnv } from './ansible-env.js';

const run = promisify(execFile);

/** Where ansible-playbook logs in: one sshd on loopback. */
export interface Login {
  port: number;
  user: string;
  keyPath: string;
  knownHostsPath: string;
}

/** What a module task did, as both tools can say it: changed, failed and the failure message. */
export type TaskSummary = { changed: boolean; failed: boolean; msg?: string };

export const runbookSummary = (tasks: TaskResult[]): TaskSummary[] =>
  tasks.map((t) => ({
    changed: t.changed,
    failed: t.status === 'failed',
    ...(t.status === 'failed' ? { msg: t.error ?? '' } : {}),
  }));

/**
 * Runs tasks (YAML lines of a task list) with ansible-playbook on one host named `box`, facts not gathered,
 * and reads each task's result from the json callback. `dir` is a scratch directory for the files it writes.
 */
export async function ansibleTasks(
  dir: string,
  login: Login,
  tasks: string[],
  flags: string[],
): Promise<TaskSummary[]> {
  const inv = join(dir, 'ansible.ini');
  writeFileSync(
    inv,
    `box ansible_host=127.0.0.1 ansible_port=${login.port} ansible_user=${login.user} ` +
      `ansible_ssh_private_key_file=${login.keyPath}\n`,
  );
  const site = join(dir, 'ansible.yml');
  writeFileSync(
    site,
    ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks.map((t) => `    ${t}`), ''].join('\n'),
  );
  // A failed task makes ansible-playbook exit non-zero; its report is on stdout all the same.
  const r = await run('ansible-playbook', ['-i', inv, site, ...flags], {
    env: { ...ansibleEnv(dir, login.knownHostsPath), ANSIBLE_STDOUT_CALLBACK: 'json' },
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  type Host = { changed?: boolean; failed?: boolean; msg?: string };
  const report = JSON.parse(r.stdout) as { plays: { tasks: { hosts: Record<string, Host> }[] }[] };
  return report.plays[0]!.tasks.map((t) => {
    const h = t.hosts.box!;
    return { changed: h.changed === true, failed: h.failed === true, ...(h.failed ? { msg: h.msg ?? '' } : {}) };
  });
}
