import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/engine/results.js';
import { validateReport } from '../../src/report/json.js';
import { applyPlay, boxInventory, statuses } from '../support/box.js';
import { startSshd, type Sshd } from '../support/sshd.js';

/**
 * The file and shell modules against a real OpenSSH server: a first run changes the host, a second run
 * changes nothing, --check leaves the host exactly as it was and says what would change, --diff shows it.
 */

const run = promisify(execFile);
let sshd: Sshd;
let dir: string;
let inventory: string;
let work: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'runbook-modules-'));
  work = sshd.workDir;
  inventory = join(dir, 'inventory.yml');
  writeFileSync(inventory, boxInventory(sshd));
  mkdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'files', 'motd'), 'Welcome, managed by runbook\n');
  mkdirSync(join(dir, 'files', 'tree', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'files', 'tree', 'a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'files', 'tree', 'sub', 'b.txt'), 'beta\n');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'box.conf.j2'), 'name {{ inventory_hostname }}\nport {{ port }}\n');
  writeFileSync(join(dir, 'files', 'setup.sh'), '#!/bin/sh\necho "setup $1 $2" > "$PWD/setup.out"\necho done $#\n');
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function apply(tasks: string[], ...flags: string[]): Promise<TaskResult[]> {
  const { report } = await applyPlay({ dir, inventory }, tasks, flags);
  // Every field a module adds to its result (diff, backup_file, …) is one the report schema names.
  expect(validateReport(report)).toEqual([]);
  return report.hosts[0]!.tasks;
}

/** The remote tree under the work directory: every path with its type, mode and content. */
async function snapshot(): Promise<string> {
  const { stdout } = await run('sh', [
    '-c',
    `cd ${work} && find . -printf '%p %y %m\\n' | sort && find . -type f -exec sh -c 'echo "== $1"; cat "$1"' _ {} \\;`,
  ]);
  return stdout;
}

describe('modules on a real host', () => {
  it('are idempotent, change nothing under --check and show diffs', async () => {
    const tasks = [
      '- name: conf dir',
      `  file: { path: ${work}/etc, state: directory, mode: "0750" }`,
      // force: false, since the edits below change the file after it is first written (as in Ansible).
      '- name: config',
      `  copy: { content: "port 8080\\nworkers 4\\n", dest: ${work}/etc/app.conf, mode: "0640", force: false }`,
      '- name: motd',
      `  copy: { src: motd, dest: ${work}/etc/ }`,
      '- name: tune workers',
      `  lineinfile: { path: ${work}/etc/app.conf, regexp: "^workers ", line: "workers 8" }`,
      '- name: extra block',
      `  blockinfile: { path: ${work}/etc/app.conf, block: "log info\\nlog_dir /var/log" }`,
      '- name: link',
      `  file: { path: ${work}/current, src: ${work}/etc, state: link }`,
      '- name: stamp',
      `  shell: { cmd: "date > stamp && echo made", chdir: ${work}, creates: ${work}/stamp }`,
      '- name: say',
      '  debug: { msg: "host {{ inventory_hostname }}" }',
    ];
    const empty = await snapshot();
    const check = await apply(tasks, '--check', '--diff');
    expect(await snapshot()).toBe(empty);
    expect(check.find((t) => t.name === 'config')?.diff).toContain('+workers 4');

    const first = await apply(tasks, '--diff');
    expect(statuses(first)).toEqual([
      'changed',
      'changed',
      'changed',
      'changed',
      'changed',
      'changed',
      'changed',
      'ok',
    ]);
    expect(first.find((t) => t.name === 'tune workers')?.diff).toMatch(/-workers 4\n\+workers 8/);
    expect(first.find((t) => t.name === 'say')?.stdout).toBe('host box');
    const made = await snapshot();
    expect(made).toContain(
      '== ./etc/app.conf\nport 8080\nworkers 8\n# BEGIN ANSIBLE MANAGED BLOCK\nlog info\nlog_dir /var/log\n# END ' +
        'ANSIBLE MANAGED BLOCK\n',
    );
    expect(made).toContain('./etc d 750');
    expect(made).toContain('./etc/app.conf f 640');
    expect(made).toContain('== ./etc/motd\nWelcome, managed by runbook\n');

    const second = await apply(tasks);
    expect(statuses(second)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(await snapshot()).toBe(made);

    const recheck = await apply(tasks, '--check');
    expect(statuses(recheck)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('remove what state: absent names, once', async () => {
    const tasks = [
      '- name: drop line',
      `  lineinfile: { path: ${work}/etc/app.conf, regexp: "^port", state: absent }`,
      '- name: drop block',
      `  blockinfile: { path: ${work}/etc/app.conf, state: absent }`,
      '- name: drop link',
      `  file: { path: ${work}/current, state: absent }`,
    ];
    expect(statuses(await apply(tasks))).toEqual(['changed', 'changed', 'changed']);
    expect(statuses(await apply(tasks))).toEqual(['ok', 'ok', 'ok']);
    expect(await snapshot()).toContain('== ./etc/app.conf\nworkers 8\n');
  });

  it('set facts, stat paths and pass both to later tasks, with stdout_lines', async () => {
    const tasks = [
      '- name: facts',
      '  set_fact: { ports: "{{ [80, 443] }}", greeting: "hi {{ inventory_hostname }}" }',
      '- name: look',
      `  stat: { path: ${work}/etc/app.conf }`,
      '  register: st',
      '- name: missing',
      `  stat: { path: ${work}/nope }`,
      '  register: gone',
      '- name: use',
      "  shell: \"echo {{ greeting }} {{ ports | join(',') }} {{ st.stat.exists }} {{ st.stat.mode }} {{ " +
        'gone.stat.exists }}"',
      '  register: out',
      '  changed_when: false',
      '- name: raw',
      '  raw: "echo raw-{{ out.stdout_lines | length }}-{{ ports[1] + 1 }}"',
      '  changed_when: false',
    ];
    const results = await apply(tasks);
    expect(statuses(results)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(results[3]!.stdout).toBe('hi box 80,443 True 0640 False\n');
    expect(results[4]!.stdout).toBe('raw-1-444\n');
  });

  it('wait for ports and files, read files back, and pause', async () => {
    const tasks = [
      '- name: port',
      `  wait_for: { port: ${sshd.port}, timeout: 10 }`,
      '- name: file',
      `  wait_for: { path: ${work}/etc/app.conf, search_regex: "^workers [0-9]+", timeout: 10 }`,
      '- name: gone',
      `  wait_for: { path: ${work}/never, state: absent, timeout: 10 }`,
      '- name: read',
      `  slurp: { src: ${work}/etc/app.conf }`,
      '  register: conf',
      '- name: show',
      '  debug: { msg: "{{ conf.content | b64decode | trim }}" }',
      '- name: breathe',
      '  pause: { seconds: 0.2 }',
      '- name: never comes',
      `  wait_for: { path: ${work}/never, timeout: 1, sleep: 0.2 }`,
    ];
    const results = await apply(tasks);
    expect(statuses(results)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'failed']);
    expect(results[4]!.stdout).toBe('workers 8');
    expect(results[6]!.error).toBe(`Timeout when waiting for ${work}/never`);
  });

  it('run a local script with its arguments once, and wait for the connection', async () => {
    const tasks = [
      '- name: connected',
      '  wait_for_connection:',
      '- name: setup',
      `  script: { cmd: "setup.sh one 'two words'", chdir: ${work}, creates: ${work}/setup.out }`,
    ];
    const check = await apply(tasks, '--check');
    expect(statuses(check)).toEqual(['ok', 'skipped']);
    expect(check[1]!.would_run).toBe(true);
    const first = await apply(tasks);
    expect(statuses(first)).toEqual(['ok', 'changed']);
    expect(first[1]!.stdout).toBe('done 2\n');
    expect(await snapshot()).toContain('== ./setup.out\nsetup one two words\n');
    expect(statuses(await apply(tasks))).toEqual(['ok', 'ok']);
  });

  it('template: owner, group, backup, validate, force, newline_sequence and a src named per host', async () => {
    // The owner and group the host's user already has: chown to them is allowed without root.
    const { stdout: owned } = await run('stat', ['-c', '%U %G', work]);
    const [owner, group] = owned.trim().split(' ') as [string, string];
    const tpl = (extra = '') =>
      `  template: { src: "{{ inventory_hostname }}.conf.j2", dest: ${work}/tpl.conf, mode: "0600", ` +
      `owner: ${owner}, group: ${group}, backup: true, validate: "grep -q ^port %s", ` +
      `newline_sequence: '\\r\\n'${extra} }`;
    const setPort = (port: number) => ['- name: port', `  set_fact: { port: ${port} }`];
    const tasks = (port: number) => [
      ...setPort(port),
      '- name: conf',
      tpl(),
      '  register: t',
      '- name: said',
      '  debug: { msg: "{{ t.backup_file | default(\'none\') }}" }',
    ];
    const before = await snapshot();
    const check = await apply(tasks(1), '--check', '--diff');
    expect(check[1]!.status).toBe('changed');
    expect(check[1]!.diff).toContain('+name box');
    expect(await snapshot()).toBe(before);

    const first = await apply(tasks(1));
    expect(first[1]!.error ?? '').toBe('');
    expect(statuses(first)).toEqual(['ok', 'changed', 'ok']);
    const made = await snapshot();
    expect(made).toContain('./tpl.conf f 600');
    expect(made).toContain('== ./tpl.conf\nname box\r\nport 1\r\n');
    expect(made).not.toMatch(/tpl\.conf\.\d+\./);
    expect(statuses(await apply(tasks(1)))).toEqual(['ok', 'ok', 'ok']);
    expect(await snapshot()).toBe(made);

    const changed = await apply(tasks(2), '--diff');
    expect(statuses(changed)).toEqual(['ok', 'changed', 'ok']);
    expect(changed[1]!.diff).toMatch(/-port 1\r?\n\+port 2/);
    const backup = /^(\/\S*tpl\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~)$/.exec(changed[2]!.stdout ?? '');
    expect(backup).not.toBeNull();
    expect(changed[1]!.backup_file).toBe(backup![1]);
    const kept = await snapshot();
    expect(kept).toContain(`== ./${backup![1]!.slice(work.length + 1)}\nname box\r\nport 1\r\n`);
    expect(kept).toContain('== ./tpl.conf\nname box\r\nport 2\r\n');

    // Validation refuses the new content: dest and its backups stay exactly as they were.
    const refused = await apply([
      ...setPort(3),
      '- name: conf',
      `  template: { src: box.conf.j2, dest: ${work}/tpl.conf, backup: true, validate: "grep -q ^nope %s" }`,
    ]);
    expect(refused[1]!.status).toBe('failed');
    expect(refused[1]!.error).toMatch(/^failed to validate/);
    expect(await snapshot()).toBe(kept);

    // force: false only creates.
    const kept2 = await apply([
      ...setPort(4),
      '- name: conf',
      `  template: { src: box.conf.j2, dest: ${work}/tpl.conf, force: false }`,
    ]);
    expect(statuses(kept2)).toEqual(['ok', 'ok']);
    expect(await snapshot()).toBe(kept);
  });

  it('copy: a tree (dir/ its contents, dir itself), backup, validate; lineinfile keeps a backup', async () => {
    const tasks = [
      '- name: contents',
      `  copy: { src: tree/, dest: ${work}/flat, mode: "0640" }`,
      '- name: itself',
      `  copy: { src: tree, dest: ${work}/nested }`,
    ];
    const before = await snapshot();
    const check = await apply(tasks, '--check', '--diff');
    expect(statuses(check)).toEqual(['changed', 'changed']);
    expect(check[0]!.diff).toContain('+beta');
    expect(await snapshot()).toBe(before);
    expect(statuses(await apply(tasks))).toEqual(['changed', 'changed']);
    const made = await snapshot();
    expect(made).toContain('== ./flat/a.txt\nalpha\n');
    expect(made).toContain('./flat/sub/b.txt f 640');
    expect(made).toContain('== ./nested/tree/sub/b.txt\nbeta\n');
    expect(statuses(await apply(tasks))).toEqual(['ok', 'ok']);
    expect(await snapshot()).toBe(made);

    const edits = [
      '- name: one',
      `  copy: { content: "v2\\n", dest: ${work}/flat/a.txt, backup: true, validate: "grep -q v2 %s" }`,
      '  register: c',
      '- name: two',
      `  lineinfile: { path: ${work}/flat/sub/b.txt, line: gamma, backup: true }`,
      '  register: l',
      '- name: three',
      `  blockinfile: { path: ${work}/nested/tree/a.txt, block: delta, backup: true }`,
      '  register: b',
      '- name: said',
      '  debug: { msg: "{{ c.backup_file }} {{ l.backup_file }} {{ b.backup_file }}" }',
    ];
    const edited = await apply(edits);
    expect(statuses(edited)).toEqual(['changed', 'changed', 'changed', 'ok']);
    const [copied, lined, blocked] = (edited[3]!.stdout ?? '').split(' ') as [string, string, string];
    expect(copied).toMatch(/\/flat\/a\.txt\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(lined).toMatch(/\/flat\/sub\/b\.txt\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(blocked).toMatch(/\/nested\/tree\/a\.txt\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    // The JSON report names each backup in the task's result, as registered.
    expect(edited.slice(0, 3).map((t) => t.backup_file)).toEqual([copied, lined, blocked]);
    expect(edited[3]!.backup_file).toBeUndefined();
    const after = await snapshot();
    expect(after).toContain(`== .${copied.slice(work.length)}\nalpha\n`);
    expect(after).toContain(`== .${lined.slice(work.length)}\nbeta\n`);
    expect(after).toContain(`== .${blocked.slice(work.length)}\nalpha\n`);
    expect(after).toContain('== ./flat/a.txt\nv2\n');
    expect(after).toContain('== ./flat/sub/b.txt\nbeta\ngamma\n');

    const refused = await apply([
      '- name: bad',
      `  copy: { content: "v3\\n", dest: ${work}/flat/a.txt, backup: true, validate: "grep -q v9 %s" }`,
    ]);
    expect(refused[0]!.status).toBe('failed');
    expect(refused[0]!.error).toMatch(/^failed to validate/);
    expect(await snapshot()).toBe(after);
  });

  it('fetch: into dest/<host>/<path> or flat, once, nothing under --check, missing files as asked', async () => {
    const out = join(dir, 'fetched');
    const tasks = [
      '- name: tree',
      `  fetch: { src: ${work}/etc/app.conf, dest: fetched }`,
      '  register: f',
      '- name: flat',
      `  fetch: { src: ${work}/etc/motd, dest: fetched/flat/, flat: true }`,
      '- name: missing ok',
      `  fetch: { src: ${work}/none, dest: fetched, fail_on_missing: false }`,
      '- name: said',
      '  debug: { msg: "{{ f.dest }}" }',
    ];
    const check = await apply(tasks, '--check');
    expect(statuses(check)).toEqual(['changed', 'changed', 'ok', 'ok']);
    expect(existsSync(out)).toBe(false);
    const first = await apply(tasks);
    expect(statuses(first)).toEqual(['changed', 'changed', 'ok', 'ok']);
    const tree = join(out, 'box', work, 'etc', 'app.conf');
    expect(first[3]!.stdout).toBe(tree);
    expect(readFileSync(tree, 'utf8')).toBe('workers 8\n');
    expect(readFileSync(join(out, 'flat', 'motd'), 'utf8')).toBe('Welcome, managed by runbook\n');
    expect(statuses(await apply(tasks))).toEqual(['ok', 'ok', 'ok', 'ok']);

    const missing = await apply(['- name: missing', `  fetch: { src: ${work}/none, dest: fetched }`]);
    expect(missing[0]!.status).toBe('failed');
    const hostile = await apply(['- name: up', `  fetch: { src: "../../${work}/etc/motd", dest: fetched }`]);
    expect(hostile[0]!.status).toBe('failed');
    expect(hostile[0]!.error).toMatch(/".." is refused/);
  });
});
