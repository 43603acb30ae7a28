import { execFile, spawn } from 'node:child_process';
import { chown, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../support/ansible.js';
import { SSHD_TEST_PASSWORD, SSHD_TEST_USER } from '../support/sshd.js';

/**
 * become against real sudo and su on the interop sshd's account, compared with ansible-playbook. The
 * account may use sudo with its password (and only with it: no cached credentials between commands).
 */
// One file per test process: suites of other checkouts run at the same time and remove only their own.
const SUDOERS = `/etc/sudoers.d/${SSHD_TEST_USER}-${process.pid}`;
/** A second account to become through su, which asks for the target account's password. */
const OTHER_USER = 'runbook-become-test';
const OTHER_PASSWORD = 'runbook-become-Pw-9931';
let fleet: Fleet;

async function ensureOtherAccount(): Promise<void> {
  const run = promisify(execFile);
  await run('id', ['-u', OTHER_USER]).catch(() => run('useradd', ['-M', '-s', '/bin/sh', OTHER_USER]));
  const child = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin.end(`${OTHER_USER}:${OTHER_PASSWORD}\n`);
  await new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd exited ${code}`)))),
  );
}

beforeAll(async () => {
  await ensureOtherAccount();
  fleet = await startFleet(['h1']);
  await writeFile(SUDOERS, `${SSHD_TEST_USER} ALL=(ALL) ALL\nDefaults:${SSHD_TEST_USER} timestamp_timeout=0\n`, {
    mode: 0o440,
  });
}, 60_000);
afterAll(async () => {
  await rm(SUDOERS, { force: true });
  await fleet?.stop();
});

const site = [
  '- hosts: all',
  '  gather_facts: no',
  '  become: yes',
  '  tasks:',
  '    - command: "{{ rec }} as-root"',
  '    - command: "{{ rec }} as-self"',
  '      become_user: ' + SSHD_TEST_USER,
  '    - command: "{{ rec }} not-escalated"',
  '      become: no',
  '    - command: "sh -c \'ps -eo args > {{ rec }}-ps.txt\'"',
  '- hosts: all',
  '  gather_facts: no',
  '  vars:',
  `    ansible_become_password: ${OTHER_PASSWORD}`,
  '  tasks:',
  '    - command: "{{ rec }} through-su"',
  '      become: yes',
  '      become_method: su',
  `      become_user: ${OTHER_USER}`,
  '',
].join('\n');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('become', () => {
  it('runs as root through sudo and as the account through su, ' +
    'with the password from ansible_become_password', async () => {
    // Ansible copies its module to a temporary file the other account must read; this machine has no ACLs.
    const opts = {
      hostVars: { ansible_become_password: SSHD_TEST_PASSWORD },
      env: { ANSIBLE_SHELL_ALLOW_WORLD_READABLE_TEMP: '1' },
    };
    const ansible = await fleet.ansible({ 'site.yml': site }, opts);
    const runbook = await fleet.runbook({ 'site.yml': site }, opts);
    // sudo clears SSH_CONNECTION, so the recorder names its lines "controller"; both tools alike.
    expect(runbook.lines, ansible.stdout + runbook.stderr).toEqual(ansible.lines);
    expect(runbook.lines).toEqual([
      'controller root as-root',
      `h1 ${SSHD_TEST_USER} as-self`,
      `h1 ${SSHD_TEST_USER} not-escalated`,
      `h1 ${OTHER_USER} through-su`,
    ]);
    expect(runbook.recap).toEqual(ansible.recap);
    expect(runbook.code).toBe(0);
  }, 120_000);

  it('never puts the password on a command line, in the report or in the journal', async () => {
    const secret = SSHD_TEST_PASSWORD;
    const runbook = await fleet.runbook({ 'site.yml': site }, { hostVars: { ansible_become_password: secret } });
    expect(runbook.code, runbook.stderr).toBe(0);
    const ps = await readFile(`${fleet.recPath}-ps.txt`, 'utf8');
    // The snapshot was taken under sudo: the escalated command line is in it, the password is not.
    expect(ps).toContain('sudo -H -S -p');
    expect(ps).not.toContain(secret);
    expect(ps).not.toContain(OTHER_PASSWORD);
    for (const f of await filesUnder(join(fleet.dir))) {
      if (f.endsWith('inventory.yml')) continue;
      const text = await readFile(f, 'utf8');
      expect(text, f).not.toContain(secret);
      if (!f.endsWith('site.yml')) expect(text, f).not.toContain(OTHER_PASSWORD);
    }
    expect(runbook.stdout + runbook.stderr).not.toContain(secret);
  }, 120_000);

  it('fails a wrong or missing password as auth, at once, with nothing run', async () => {
    const one = '- hosts: all\n  gather_facts: no\n  become: yes\n  tasks:\n    - command: "{{ rec }} must-not-run"\n';
    for (const hostVars of [{ ansible_become_password: 'not-the-password' }, {}]) {
      const ansible = await fleet.ansible({ 'site.yml': one }, { hostVars });
      const runbook = await fleet.runbook({ 'site.yml': one }, { hostVars, args: ['--json'] });
      expect([runbook.lines, ansible.lines]).toEqual([[], []]);
      expect(runbook.recap).toEqual(ansible.recap);
      expect([runbook.code, ansible.code]).toEqual([2, 2]);
      const report = JSON.parse(runbook.stdout) as { hosts: Array<{ reason: string; error: string }> };
      expect(report.hosts[0]!.reason).toBe('auth');
      expect(report.hosts[0]!.error).toMatch(/become: sudo to root was refused/);
      expect(runbook.stdout).not.toContain('not-the-password');
    }
  }, 120_000);

  describe('on file modules', () => {
    // A directory only root may enter, and one only the other account may: writing there needs become.
    const files = (check = ''): Record<string, string> => ({
      'site.yml': [
        '- hosts: all',
        '  gather_facts: no',
        '  become: yes',
        '  tasks:',
        '    - template: {src: app.conf.j2, dest: "{{ root_dir }}/app.conf", mode: "0640"}',
        '    - copy: {content: "copied\\n", dest: "{{ root_dir }}/copied.txt", mode: "0600"}',
        '    - file: {path: "{{ root_dir }}/sub", state: directory, mode: "0750"}',
        '    - lineinfile: {path: "{{ root_dir }}/app.conf", line: "added = yes"}',
        // A mode, because Ansible's world-readable temporary file (no ACLs here) would leave the copy 0755.
        '    - copy: {content: "theirs\\n", dest: "{{ other_dir }}/theirs.txt", mode: "0644"}',
        `      become_user: ${OTHER_USER}`,
        `    - lineinfile: {path: "{{ other_dir }}/theirs.txt", line: "more${check}", create: yes}`,
        `      become_user: ${OTHER_USER}`,
        '',
      ].join('\n'),
      'templates/app.conf.j2': 'name = {{ inventory_hostname }}\n',
    });
    let rootDir: string;
    let otherDir: string;

    /** Each file's path, owner, mode and content under the two directories. */
    async function state(): Promise<string[]> {
      const out: string[] = [];
      for (const dir of [rootDir, otherDir]) {
        for (const name of (await readdir(dir)).sort()) {
          const p = join(dir, name);
          const st = await lstat(p);
          const content = st.isFile() ? await readFile(p, 'utf8') : '<dir>';
          out.push(`${p} uid=${st.uid} mode=${(st.mode & 0o7777).toString(8)} ${JSON.stringify(content)}`);
        }
      }
      return out;
    }

    async function reset(): Promise<void> {
      const run = promisify(execFile);
      const other = Number((await run('id', ['-u', OTHER_USER])).stdout.trim());
      for (const [dir, uid] of [
        [rootDir, 0],
        [otherDir, other],
      ] as const) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { mode: 0o700 });
        await chown(dir, uid, uid === 0 ? 0 : Number((await run('id', ['-g', OTHER_USER])).stdout.trim()));
      }
    }

    beforeAll(() => {
      rootDir = join(fleet.dir, 'root-only');
      otherDir = join(fleet.dir, 'other-only');
    });

    const opts = (args: string[] = []) => ({
      hostVars: { ansible_become_password: SSHD_TEST_PASSWORD, root_dir: rootDir, other_dir: otherDir },
      env: { ANSIBLE_SHELL_ALLOW_WORLD_READABLE_TEMP: '1' },
      args,
    });

    it('writes root-owned and other-owned files through sudo as ansible-playbook does, twice over', async () => {
      await reset();
      const ansible = [await fleet.ansible(files(), opts())];
      const ansibleStates = [await state()];
      ansible.push(await fleet.ansible(files(), opts()));
      ansibleStates.push(await state());
      await reset();
      for (const i of [0, 1]) {
        const runbook = await fleet.runbook(files(), opts());
        expect(await state(), runbook.stdout + runbook.stderr).toEqual(ansibleStates[i]);
        expect(runbook.recap).toEqual(ansible[i]!.recap);
        expect(runbook.code).toBe(0);
      }
      expect(ansible[0]!.recap.h1!.changed).toBe(6);
    }, 180_000);

    it('previews changes to files only root can read under --check --diff, changing nothing', async () => {
      await reset();
      await fleet.runbook(files(), opts());
      await writeFile(join(rootDir, 'app.conf'), 'name = tampered\nadded = yes\n');
      const before = await state();
      const ansible = await fleet.ansible(files('-again'), opts(['--check', '--diff']));
      expect(await state()).toEqual(before);
      const runbook = await fleet.runbook(files('-again'), opts(['--check', '--diff']));
      expect(await state()).toEqual(before);
      expect(runbook.recap, runbook.stdout + runbook.stderr).toEqual(ansible.recap);
      expect(runbook.code).toBe(ansible.code);
      // The diff shows what only root could read: the tampered line, and the line about to be added.
      expect(runbook.stdout).toContain('-name = tampered');
      expect(runbook.stdout).toContain('+name = h1');
      expect(runbook.stdout).toContain('+more-again');
    }, 180_000);
  });
});
