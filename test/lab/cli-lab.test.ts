import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collect, runCli, startCli } from '../support/cli.js';

const run = promisify(execFile);

const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lab-cli-'));
  dirs.push(d);
  return d;
}

function waitForLine(child: ChildProcess, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) resolve(out);
    });
    child.on('close', (code) => reject(new Error(`exited ${code} before "${line}"\n${out}\n${err}`)));
  });
}

/** Starts `runbook lab` with its devices' files in `dir` and its inventory at `inv`: the child and its banner. */
async function startLab(
  dir: string,
  inv: string,
  ...flags: string[]
): Promise<{ child: ChildProcess; banner: string }> {
  const child = startCli(['lab', ...flags, '--dir', dir, '--inventory-out', inv]);
  children.push(child);
  return { child, banner: await waitForLine(child, 'ready') };
}

describe('runbook lab', () => {
  it('serves the devices it wrote into the inventory, then stops on SIGTERM with exit 0', async () => {
    const dir = tempDir();
    const inv = join(dir, 'out', 'lab.yml');
    const { child, banner } = await startLab(
      dir,
      inv,
      '--hosts',
      '3',
      '--sites',
      '2',
      '--latency',
      '5ms',
      '--fault',
      'r003:fail',
    );
    expect(banner).toContain(`inventory    ${inv}`);
    expect(banner).toMatch(/runbook apply \S+ -i /);
    expect(banner).toMatch(/ssh -i \S+id_ed25519 -p \d+ -o UserKnownHostsFile=\S+known_hosts/);

    const doc = parse(readFileSync(inv, 'utf8')) as {
      all: { vars: { key_file: string }; children: Record<string, { hosts: Record<string, { port: number }> }> };
    };
    const port = doc.all.children.site1?.hosts.r003?.port ?? 0;
    const key = readFileSync(doc.all.vars.key_file);
    const outcome = await new Promise<{ rc: number | null; stderr: string }>((resolve, reject) => {
      const c = new Client();
      c.on('error', reject);
      c.on('ready', () =>
        c.exec('hostname', (err, stream) => {
          if (err) return reject(err);
          let stderr = '';
          let rc: number | null = null;
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('exit', (code: number) => (rc = code));
          stream.on('close', () => (c.end(), resolve({ rc, stderr })));
          stream.resume();
        }),
      );
      c.connect({ host: '127.0.0.1', port, username: 'netops', privateKey: key, readyTimeout: 20_000 });
    });
    expect(outcome.rc).toBe(1);
    expect(outcome.stderr).toContain('r003: command failed');

    const done = collect(child);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SIGTERM: every device stopped');
  });

  it('--jump-per-site: each site behind its jump host, which OpenSSH itself can go through (ssh -W)', async () => {
    const dir = tempDir();
    const inv = join(dir, 'lab.yml');
    const { child, banner } = await startLab(dir, inv, '--hosts', '4', '--sites', '2', '--jump-per-site');
    expect(banner).toMatch(/jump hosts {3}jump-site1 \(127\.0\.0\.1:\d+\), jump-site2 \(127\.0\.0\.1:\d+\)/);
    type Inv = {
      all: { vars: { key_file: string; known_hosts: string }; children: Record<string, Site> };
    };
    type Site = { vars: { jump: string }; hosts: Record<string, { port: number }> };
    const doc = parse(readFileSync(inv, 'utf8')) as Inv;
    const site2 = doc.all.children.site2!;
    const jump = /^netops@127\.0\.0\.1:(\d+)$/.exec(site2.vars.jump);
    expect(jump).not.toBeNull();
    const { key_file: key, known_hosts: kh } = doc.all.vars;
    const strict = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${kh}`];
    const proxy = `ssh -q -i ${key} ${strict.join(' ')} -p ${jump![1]} -W %h:%p netops@127.0.0.1`;
    const out = await run('ssh', [
      ...['-q', '-i', key, ...strict, '-o', `ProxyCommand=${proxy}`, '-p', String(site2.hosts.r002!.port)],
      ...['netops@127.0.0.1', 'hostname'],
    ]);
    expect(out.stdout.trim()).toBe('r002');

    const done = collect(child);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });

  it('answers a bad fault spec with one line and exit 5', async () => {
    const r = await runCli(['lab', '--fault', 'r001:melt']);
    expect(r.code).toBe(5);
    expect(r.stderr.split('\n')[0]).toBe(
      'runbook lab: --fault: bad fault "r001:melt": unknown kind "melt"' +
        ' (kinds: hang, refuse, auth, slow, fail, drop, stall, flaky, slowcmd, deny, cut, banner, more)',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('answers bad flags with exit 5', async () => {
    for (const args of [['--hosts', '0'], ['--latency', 'soon'], ['--bogus'], ['--seed', '-1']]) {
      const r = await runCli(['lab', ...args]);
      expect(r.code, args.join(' ')).toBe(5);
      expect(r.stderr).toMatch(/^runbook lab: /);
    }
  });

  it('prints its options for --help', async () => {
    const r = await runCli(['lab', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--hosts', '--sites', '--fault', '--latency', '--inventory-out', '--seed'])
      expect(r.stdout).toContain(flag);
  });
});
