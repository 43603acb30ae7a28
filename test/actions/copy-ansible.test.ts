import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport, TaskResult } from '../../src/engine/results.js';
import { ansibleEnv, sshdHostVars } from '../support/ansible-env.js';
import { runCli } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';

/**
 * copy of directories against ansible-playbook on the same OpenSSH host: a local tree (dir/ its contents,
 * dir itself, directory_mode, local_follow) and a tree and a file already on the host (remote_src). Each tool
 * copies into its own root; the two roots must then hold the same paths, types, modes, link targets and bytes.
 */

const run = promisify(execFile);
let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'runbook-copy-'));
  chmodSync(dir, 0o755);
  const tree = join(dir, 'files', 'tree');
  mkdirSync(join(tree, 'sub'), { recursive: true });
  writeFileSync(join(tree, 'a.txt'), 'alpha\n');
  writeFileSync(join(tree, 'sub', 'b.txt'), 'beta\n');
  symlinkSync('a.txt', join(tree, 'link.txt'));
  symlinkSync('sub', join(tree, 'sublink'));
  // The source on the host: written by this process, readable by the host's user.
  const remote = join(sshd.workDir, 'src');
  mkdirSync(join(remote, 'rt', 'sub'), { recursive: true });
  writeFileSync(join(remote, 'rt', 'r.txt'), 'r1\n');
  writeFileSync(join(remote, 'rt', 'sub', 's.txt'), 'r2\n');
  symlinkSync('r.txt', join(remote, 'rt', 'rl'));
  writeFileSync(join(remote, 'one.txt'), 'single\n');
  await run('chmod', ['-R', 'go+rX', remote]);
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TASKS = [
  '- copy: { src: tree/, dest: "{{ root }}/a", directory_mode: "0750", mode: "0640" }',
  '- copy: { src: tree, dest: "{{ root }}/b", directory_mode: "0700" }',
  '- copy: { src: tree/, dest: "{{ root }}/c", local_follow: false }',
  '- copy: { src: tree/, dest: "{{ root }}/pre", directory_mode: "0711" }',
  '- copy: { src: "{{ from }}/one.txt", dest: "{{ root }}/one.txt", remote_src: true }',
  '- copy: { src: "{{ from }}/rt/", dest: "{{ root }}/r1", remote_src: true }',
  '- copy: { src: "{{ from }}/rt", dest: "{{ root }}/r2", remote_src: true }',
  '- copy: { src: "{{ from }}/rt/", dest: "{{ root }}/r3", remote_src: true, local_follow: false }',
];

function inventory(root: string): string {
  const path = join(dir, `inventory-${root}.yml`);
  const vars = {
    ...sshdHostVars(sshd),
    root: join(sshd.workDir, root),
    from: join(sshd.workDir, 'src'),
  };
  writeFileSync(path, `all:\n  hosts:\n    box: ${JSON.stringify(vars)}\n`);
  return path;
}

function playbook(tasks: string[]): string {
  const site = join(dir, 'site.yml');
  writeFileSync(
    site,
    ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks.map((t) => `    ${t}`), ''].join('\n'),
  );
  return site;
}

async function ansible(root: string): Promise<string> {
  const r = await run('ansible-playbook', ['-i', inventory(root), playbook(TASKS)], {
    cwd: dir,
    env: ansibleEnv(dir, sshd.knownHostsPath),
    timeout: 180_000,
  });
  return r.stdout;
}

async function runbook(root: string, ...flags: string[]): Promise<TaskResult[]> {
  const r = await runCli(['apply', playbook(TASKS), '-i', inventory(root), '--json', '--run-dir', dir, ...flags]);
  if (!r.stdout.startsWith('{')) throw new Error(`no report: ${r.stderr}`);
  return (JSON.parse(r.stdout) as RunReport).hosts[0]!.tasks;
}

/** Every path under a root with its type, mode and link target, then every file's bytes. */
async function snapshot(root: string): Promise<string> {
  const at = join(sshd.workDir, root);
  const { stdout } = await run('sh', [
    '-c',
    `cd ${at} && find . -printf '%p %y %m %l\\n' | sort && ` +
      `find . -type f | sort | xargs -I{} sh -c 'echo "== {}"; cat {}'`,
  ]);
  return stdout;
}

/** A root owned by the host's user, with one destination already there (it keeps its own mode). */
async function prepare(root: string): Promise<void> {
  mkdirSync(join(sshd.workDir, root, 'pre'), { recursive: true });
  chmodSync(join(sshd.workDir, root, 'pre'), 0o755);
  await run('chown', ['-R', `${sshd.user}:`, join(sshd.workDir, root)]);
}

describe('copy of trees, as ansible-playbook copies them', () => {
  it('dir/ and dir, directory_mode, local_follow, remote_src: the same tree; then nothing changes', async () => {
    await prepare('theirs');
    await prepare('ours');
    const out = await ansible('theirs');
    expect(out).toMatch(/box\s+: ok=8\s+changed=8 .*failed=0/);
    const first = await runbook('ours');
    expect(first.map((t) => t.error ?? t.status)).toEqual(Array(8).fill('changed'));
    // Ansible's remote copy of `rt` without a slash into a new dest (shutil.copytree) drops the link rl that
    // it keeps with a slash: runbook keeps it in both.
    const ours = await snapshot('ours');
    expect(ours).toContain('./r2/rt/rl l 777 r.txt\n');
    const theirs = (await snapshot('theirs')).replace(
      './r2/rt/r.txt f 644 \n',
      './r2/rt/r.txt f 644 \n./r2/rt/rl l 777 r.txt\n',
    );
    expect(theirs).toContain('./c/link.txt l 777 a.txt');
    expect(ours).toBe(theirs);

    // Idempotent (Ansible itself reports the remote dir without a slash as changed again; runbook does not).
    expect((await runbook('ours')).map((t) => t.status)).toEqual(Array(8).fill('ok'));
    expect(await snapshot('ours')).toBe(ours);

    // --check on a fresh root changes nothing on the host and says what would change.
    await prepare('checked');
    const before = await snapshot('checked');
    const check = await runbook('checked', '--check', '--diff');
    expect(check.map((t) => t.status)).toEqual(Array(8).fill('changed'));
    expect(await snapshot('checked')).toBe(before);
    expect(check[2]!.diff).toContain('+link -> a.txt');
    expect(check[0]!.diff).toContain('+beta');
    expect(check[5]!.diff).toContain('+r2');
  }, 240_000);
});
