import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport, TaskResult } from '../../src/engine/results.js';
import { ansibleEnv, sshdHostVars } from '../support/ansible-env.js';
import { runCli } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';

/**
 * `mode` of file, copy and template against ansible-playbook on the same OpenSSH host. YAML reads `0644` as
 * the integer 420 and `644` as 644, and Ansible's modules apply an integer as the bits themselves: `644` sets
 * mode 01204 (ansible-lint's risky-octal), while the strings "644" and "0644" are octal digits. Each tool
 * writes into its own root; the two roots must then hold the same paths with the same permission bits.
 */

const run = promisify(execFile);
let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'runbook-mode-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 't.j2'), 'hello\n');
  mkdirSync(join(dir, 'files', 'tree', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'files', 'tree', 'sub', 'f.txt'), 'tree\n');
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Each written mode with the bits Ansible 2.14 sets for it (checked with stat after ansible-playbook). */
const TASKS: [task: string, path: string, bits: string][] = [
  ['copy: { content: "a\\n", dest: "{{ root }}/c1", mode: 0644 }', './c1', '644'],
  ['copy: { content: "a\\n", dest: "{{ root }}/c3", mode: "0644" }', './c3', '644'],
  ['copy: { content: "a\\n", dest: "{{ root }}/c4", mode: "644" }', './c4', '644'],
  ['copy: { content: "a\\n", dest: "{{ root }}/c5", mode: "0o640" }', './c5', '640'],
  ['copy: { content: "a\\n", dest: "{{ root }}/c6", mode: 420 }', './c6', '644'],
  ['template: { src: t.j2, dest: "{{ root }}/t1", mode: 0600 }', './t1', '600'],
  ['template: { src: t.j2, dest: "{{ root }}/t3", mode: "600" }', './t3', '600'],
  ['file: { path: "{{ root }}/d1", state: directory, mode: 0750 }', './d1', '750'],
  ['file: { path: "{{ root }}/d2", state: directory, mode: 750 }', './d2', '1356'],
  ['file: { path: "{{ root }}/d3", state: directory, mode: "750" }', './d3', '750'],
  ['copy: { src: tree/, dest: "{{ root }}/tr", directory_mode: 0711, mode: 0604 }', './tr/sub', '711'],
  // Last: the owner cannot read these back, so a second run stops at the first of them.
  ['copy: { content: "a\\n", dest: "{{ root }}/c2", mode: 644 }', './c2', '1204'],
  ['template: { src: t.j2, dest: "{{ root }}/t2", mode: 600 }', './t2', '1130'],
];

function inventory(root: string): string {
  const path = join(dir, `inventory-${root}.yml`);
  const vars = {
    ...sshdHostVars(sshd),
    root: join(sshd.workDir, root),
  };
  writeFileSync(path, `all:\n  hosts:\n    box: ${JSON.stringify(vars)}\n`);
  return path;
}

function playbook(): string {
  const site = join(dir, 'site.yml');
  const lines = ['- hosts: all', '  gather_facts: false', '  tasks:', ...TASKS.map(([t]) => `    - ${t}`), ''];
  writeFileSync(site, lines.join('\n'));
  return site;
}

async function ansible(root: string): Promise<string> {
  const r = await run('ansible-playbook', ['-i', inventory(root), playbook()], {
    cwd: dir,
    env: ansibleEnv(dir, sshd.knownHostsPath),
    timeout: 180_000,
  });
  return r.stdout;
}

async function runbook(root: string): Promise<{ tasks: TaskResult[]; stderr: string }> {
  const r = await runCli(['apply', playbook(), '-i', inventory(root), '--json', '--run-dir', dir]);
  if (!r.stdout.startsWith('{')) throw new Error(`no report: ${r.stderr}`);
  return { tasks: (JSON.parse(r.stdout) as RunReport).hosts[0]!.tasks, stderr: r.stderr };
}

/** Every path under a root with its permission bits, as `stat` shows them. */
async function modes(root: string): Promise<Map<string, string>> {
  const { stdout } = await run('sh', ['-c', `cd ${join(sshd.workDir, root)} && find . -mindepth 1 -printf '%p %m\\n'`]);
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function prepare(root: string): Promise<void> {
  mkdirSync(join(sshd.workDir, root), { recursive: true });
  await run('chown', ['-R', `${sshd.user}:`, join(sshd.workDir, root)]);
}

describe('mode, as Ansible applies it', () => {
  it('0644, 644, "0644", "644", "0o640" and 420 set the bits Ansible sets, in copy, template and file', async () => {
    await prepare('theirs');
    await prepare('ours');
    // Ansible reports the tree copy into a new dest as ok; what is compared here is the bits each tool set.
    expect(await ansible('theirs')).toMatch(/box\s+: ok=13\s+changed=12 .*failed=0/);
    const first = await runbook('ours');
    expect(first.tasks.map((t) => t.error ?? t.status)).toEqual(Array(TASKS.length).fill('changed'));
    // The integers written without a leading zero are applied all the same, and said.
    expect(first.stderr).toMatch(/site\.yml:15:\d+: mode 644 is the decimal number 644 \(mode 01204\)/);

    const theirs = await modes('theirs');
    const ours = await modes('ours');
    expect([...ours]).toEqual([...theirs]);
    for (const [, path, bits] of TASKS) expect(`${path} ${ours.get(path)}`).toBe(`${path} ${bits}`);
    expect(ours.get('./tr/sub/f.txt')).toBe('604');

    // The bits are what was asked for: a second run changes nothing, up to the files that 01204 and 01130 leave
    // the owner unable to read back and compare.
    const again = (await runbook('ours')).tasks.map((t) => t.error ?? t.status);
    expect(again.slice(0, TASKS.length - 2)).toEqual(Array(TASKS.length - 2).fill('ok'));
  }, 240_000);
});
