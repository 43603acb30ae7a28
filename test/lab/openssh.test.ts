import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';

/** OpenSSH's own clients, with strict host-key checking against the known_hosts the lab wrote. */

let lab: Lab;
let local: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 3, sites: 2, latencyMs: 0 });
  local = mkdtempSync(join(tmpdir(), 'lab-openssh-'));
});

afterAll(async () => {
  await lab?.stop();
  rmSync(local, { recursive: true, force: true });
});

function strict(): string[] {
  return [
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=20',
    '-F',
    '/dev/null',
    '-i',
    lab.keyPath,
  ];
}

function run(cmd: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

const port = (name: string) => String(lab.hosts.find((h) => h.name === name)?.port);

describe('OpenSSH clients against the lab', () => {
  it('ssh runs a command with the generated key and known_hosts', async () => {
    const r = await run('/usr/bin/ssh', [
      ...strict(),
      '-p',
      port('r002'),
      `${lab.user}@127.0.0.1`,
      'hostname && show version',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^r002\nLabOS Software/);
    expect(lab.counters('r002').commands).toBe(1);
  });

  it('ssh passes the exit status of a failing command through', async () => {
    const r = await run('/usr/bin/ssh', [...strict(), '-p', port('r001'), `${lab.user}@127.0.0.1`, 'no-such-thing']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('command not found');
  });

  it('ssh refuses a device whose host key is not the one known for its port', async () => {
    // r001's known_hosts line moved to r003's port: the key r003 presents no longer matches.
    const lines = readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n');
    const r001 = lines.find((l) => l.startsWith(`[127.0.0.1]:${port('r001')} `)) ?? '';
    const swapped = join(local, 'known_hosts_swapped');
    writeFileSync(swapped, `${r001.replace(`:${port('r001')} `, `:${port('r003')} `)}\n`);
    const args = strict().map((a) => (a.startsWith('UserKnownHostsFile=') ? `UserKnownHostsFile=${swapped}` : a));
    const r = await run('/usr/bin/ssh', [...args, '-p', port('r003'), `${lab.user}@127.0.0.1`, 'hostname']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('sftp puts a file into the device and gets it back', async () => {
    const src = join(local, 'ntp.conf');
    const back = join(local, 'ntp.conf.back');
    writeFileSync(src, 'server 192.0.2.10 iburst\n');
    const batch = `${[
      `put ${src} /etc/ntp.conf`,
      'chmod 640 /etc/ntp.conf',
      `get /etc/ntp.conf ${back}`,
      'ls -l /etc',
    ].join('\n')}\n`;
    const r = await run('/usr/bin/sftp', [...strict(), '-P', port('r003'), '-b', '-', `${lab.user}@127.0.0.1`], batch);
    expect(r.code).toBe(0);
    expect(lab.readFile('r003', '/etc/ntp.conf')?.toString()).toBe('server 192.0.2.10 iburst\n');
    expect(readFileSync(back, 'utf8')).toBe('server 192.0.2.10 iburst\n');
    expect(r.stdout).toMatch(/-rw-r-----.* ntp\.conf\n/);
    expect(lab.counters('r003').bytesWritten).toBe(25);
  });
});
