import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport, TaskResult } from '../../src/engine/results.js';
import { runCli } from './cli.js';
import type { Sshd } from './sshd.js';

/**
 * One real host, `box`, as module tests drive it: an inventory that reaches a test's sshd (or root host),
 * and plays of a few tasks applied to it by the real CLI, read back from the JSON report.
 */

/** An inventory of `box` on the server, logging in as its user with its key; `hostVars` go on the host line. */
export function boxInventory(server: Sshd, hostVars?: string): string {
  return [
    'all:',
    '  vars:',
    `    user: ${JSON.stringify(server.user)}`,
    `    key_file: ${JSON.stringify(server.keyPath)}`,
    `    known_hosts: ${JSON.stringify(server.knownHostsPath)}`,
    '  hosts:',
    `    box: { host: 127.0.0.1, port: ${server.port}${hostVars ? `, ${hostVars}` : ''} }`,
    '',
  ].join('\n');
}

export interface PlayFiles {
  /** Where site.yml is written. */
  dir: string;
  inventory: string;
  /** --run-dir; `dir` unless given. */
  runDir?: string;
}

/** Applies one play of `tasks` to all hosts with --json: the report, and what the CLI printed on both streams. */
export async function applyPlay(
  files: PlayFiles,
  tasks: string[],
  flags: string[] = [],
): Promise<{ report: RunReport; output: string }> {
  const site = join(files.dir, 'site.yml');
  writeFileSync(site, ['- hosts: all', '  tasks:', ...tasks.map((t) => `    ${t}`), ''].join('\n'));
  const runDir = files.runDir ?? files.dir;
  const r = await runCli(['apply', site, '-i', files.inventory, '--json', '--run-dir', runDir, ...flags]);
  if (!r.stdout.startsWith('{')) throw new Error(`no report: ${r.stderr}`);
  return { report: JSON.parse(r.stdout) as RunReport, output: r.stdout + r.stderr };
}

/** The first host's task results of `applyPlay`. */
export async function applyTasks(files: PlayFiles, tasks: string[], flags: string[] = []): Promise<TaskResult[]> {
  return (await applyPlay(files, tasks, flags)).report.hosts[0]!.tasks;
}

export const statuses = (tasks: TaskResult[]) => tasks.map((t) => t.status);
