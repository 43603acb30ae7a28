import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import type { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { loadInventory } from '../../src/inventory/inventory.js';
import { until } from '../support/wait.js';
import { connect, connectError, exec, sftp } from './ssh.js';

let lab: Lab | undefined;
const clients: Client[] = [];

async function start(opts: Parameters<typeof startLab>[0]): Promise<Lab> {
  lab = await startLab({ latencyMs: 0, ...opts });
  return lab;
}

async function open(l: Lab, host: string, opts: Parameters<typeof connect>[2] = {}): Promise<Client> {
  const c = await connect(l, host, opts);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await lab?.stop();
  lab = undefined;
});

describe('lab layout', () => {
  it('names devices r001… spread round-robin over sites and writes an inventory, key and known_hosts', async () => {
    const l = await start({ hosts: 5, sites: 2 });
    expect(l.hosts.map((h) => `${h.name}@${h.site}`)).toEqual([
      'r001@site1',
      'r002@site2',
      'r003@site1',
      'r004@site2',
      'r005@site1',
    ]);
    expect(new Set(l.hosts.map((h) => h.port)).size).toBe(5);
    const inv = parse(readFileSync(l.inventoryPath, 'utf8')) as {
      all: {
        vars: Record<string, string>;
        children: Record<string, { vars: { site: string }; hosts: Record<string, { host: string; port: number }> }>;
      };
    };
    expect(inv.all.vars.user).toBe('netops');
    expect(inv.all.vars.key_file).toBe(l.keyPath);
    expect(inv.all.vars.known_hosts).toBe(l.knownHostsPath);
    expect(Object.keys(inv.all.children)).toEqual(['site1', 'site2']);
    expect(inv.all.children.site2?.vars.site).toBe('site2');
    expect(inv.all.children.site2?.hosts).toEqual({
      r002: { host: '127.0.0.1', port: l.hosts[1]?.port },
      r004: { host: '127.0.0.1', port: l.hosts[3]?.port },
    });
    expect(statSync(l.keyPath).mode & 0o777).toBe(0o600);
    const known = readFileSync(l.knownHostsPath, 'utf8').trim().split('\n');
    expect(known).toHaveLength(5);
    expect(known[0]).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${l.hosts[0]?.port} ssh-ed25519 AAAA`));
  });

  it('writes an inventory that the inventory loader reads without a diagnostic', async () => {
    const l = await start({ hosts: 4, sites: 2 });
    const { inventory, diagnostics } = loadInventory(l.inventoryPath);
    expect(diagnostics).toEqual([]);
    expect([...(inventory?.hosts.keys() ?? [])].sort()).toEqual(['r001', 'r002', 'r003', 'r004']);
    expect(inventory?.groups.get('site2')?.vars).toEqual({ site: 'site2' });
  });

  it('pads names to the width of the fleet', async () => {
    const l = await start({ hosts: 1000, sites: 10 });
    expect(l.hosts[0]?.name).toBe('r0001');
    expect(l.hosts[999]).toMatchObject({ name: 'r1000', site: 'site10' });
  });

  it('closes every listener on stop', async () => {
    const l = await start({ hosts: 2 });
    const port = l.hosts[0]?.port ?? 0;
    await l.stop();
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve('connected')));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

describe('devices', () => {
  it('run commands with realistic output and count connections and commands', async () => {
    const l = await start({ hosts: 2, sites: 2 });
    const c = await open(l, 'r002');
    expect(await exec(c, 'hostname')).toEqual({ stdout: 'r002\n', stderr: '', rc: 0 });
    const version = await exec(c, 'show version');
    expect(version.rc).toBe(0);
    expect(version.stdout).toContain('r002 uptime is');
    expect(version.stdout).toContain('site site2');
    const unknown = await exec(c, 'reboot now');
    expect(unknown.rc).toBe(127);
    expect(unknown.stderr).toContain('command not found');
    expect(l.counters('r002')).toMatchObject({ connections: 1, commands: 3, authFailures: 0 });
    expect(l.counters('r001')).toMatchObject({ connections: 0, commands: 0 });
    expect(l.fleetCounters()).toMatchObject({ connections: 1, commands: 3 });
  });

  it('reflect the file system in show running-config and the shell-ish commands', async () => {
    const l = await start({ hosts: 1 });
    l.writeFile('r001', '/etc/ntp.conf', 'server 192.0.2.10 iburst\nserver 192.0.2.11 iburst\n');
    const c = await open(l, 'r001');
    const config = await exec(c, 'show running-config');
    expect(config.stdout).toContain('hostname r001');
    expect(config.stdout).toContain('ntp server 192.0.2.10\nntp server 192.0.2.11\n');
    const peers = await exec(c, 'ntpq -p');
    expect(peers.stdout).toMatch(/^\*192\.0\.2\.10 /m);
    expect(await exec(c, 'cp /etc/ntp.conf /etc/ntp.conf.bak && echo copied')).toMatchObject({
      stdout: 'copied\n',
      rc: 0,
    });
    expect(l.readFile('r001', '/etc/ntp.conf.bak')?.toString()).toContain('192.0.2.11');
    expect(await exec(c, 'cat /etc/missing')).toMatchObject({
      rc: 1,
      stderr: 'cat: /etc/missing: No such file or directory\n',
    });
    expect(await exec(c, 'service ntp restart')).toMatchObject({ rc: 0, stdout: 'Restarting ntp: done.\n' });
    expect(await exec(c, 'false || echo "fell back"')).toMatchObject({ rc: 0, stdout: 'fell back\n' });
  });

  it('answer commands a test adds, before the built-in ones', async () => {
    const l = await start({
      hosts: 2,
      commands: {
        'show interfaces': ({ host }) => ({ stdout: `${host} Gi0/1 up\n` }),
        hostname: ({ site }) => ({ stdout: `overridden in ${site}\n`, rc: 3 }),
      },
    });
    const c = await open(l, 'r002');
    expect(await exec(c, 'show interfaces brief')).toMatchObject({ stdout: 'r002 Gi0/1 up\n', rc: 0 });
    expect(await exec(c, 'hostname')).toMatchObject({ stdout: 'overridden in site1\n', rc: 3 });
  });

  it('accept the password and count a wrong one as an authentication failure', async () => {
    const l = await start({ hosts: 1, password: 'pw-123' });
    const c = await open(l, 'r001', { password: 'pw-123' });
    expect((await exec(c, 'whoami')).stdout).toBe('netops\n');
    const err = await connectError(l, 'r001', { password: 'wrong' });
    expect(err?.level).toBe('client-authentication');
    expect(l.counters('r001').authFailures).toBe(1);
  });

  it('serve SFTP writes, reads, renames and chmods over the in-memory file system', async () => {
    const l = await start({ hosts: 1 });
    const c = await open(l, 'r001');
    const s = await sftp(c);
    const body = 'server 192.0.2.99 iburst\n';
    await new Promise<void>((res, rej) => s.writeFile('/tmp/ntp.conf.new', body, (e) => (e ? rej(e) : res())));
    expect(l.readFile('r001', '/tmp/ntp.conf.new')?.toString()).toBe(body);
    await new Promise<void>((res, rej) => s.chmod('/tmp/ntp.conf.new', 0o600, (e) => (e ? rej(e) : res())));
    await new Promise<void>((res, rej) => s.rename('/tmp/ntp.conf.new', '/etc/ntp.conf', (e) => (e ? rej(e) : res())));
    expect(l.readFile('r001', '/tmp/ntp.conf.new')).toBeNull();
    expect(l.readFile('r001', '/etc/ntp.conf')?.toString()).toBe(body);
    const st = await new Promise<{ mode: number; size: number; isFile(): boolean }>((res, rej) =>
      s.stat('/etc/ntp.conf', (e, a) => (e ? rej(e) : res(a))),
    );
    expect(st.isFile()).toBe(true);
    expect(st.size).toBe(body.length);
    expect(st.mode & 0o777).toBe(0o600);
    const back = await new Promise<Buffer>((res, rej) => s.readFile('/etc/ntp.conf', (e, d) => (e ? rej(e) : res(d))));
    expect(back.toString()).toBe(body);
    const missing = await new Promise<Error | undefined>((res) => s.stat('/etc/nope', (e) => res(e ?? undefined)));
    expect(missing?.message).toMatch(/No such file/);
    expect((await exec(c, 'show running-config')).stdout).toContain('ntp server 192.0.2.99');
    expect(l.counters('r001').bytesWritten).toBe(body.length);
  });

  it('offer a line-at-a-time shell to someone who logs in by hand', async () => {
    const l = await start({ hosts: 1 });
    const c = await open(l, 'r001');
    const transcript = await new Promise<string>((resolve, reject) =>
      c.shell(false, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.on('close', () => resolve(out));
        stream.end('hostname\nfalse\nexit\n');
      }),
    );
    expect(transcript).toContain('r001# r001\nr001# r001# ');
    expect(l.counters('r001').commands).toBe(2);
  });

  it('end a session when its channel closes, while the connection stays up', async () => {
    const l = await start({ hosts: 1 });
    const c = await open(l, 'r001');
    for (let i = 0; i < 3; i++) expect((await exec(c, 'true')).rc).toBe(0);
    await until(() => l.counters('r001').concurrentSessions === 0, 'no session left on r001', 10_000);
    expect(l.counters('r001')).toMatchObject({ connections: 1, commands: 3, maxConcurrentSessions: 1 });
  });

  it('count sessions open at once, per device and across the fleet', async () => {
    const l = await start({ hosts: 4, faults: ['*:stall'] });
    const conns = await Promise.all(['r001', 'r002', 'r003', 'r004'].map((h) => open(l, h)));
    const second = await open(l, 'r001');
    // Stalled commands never end: destroying their clients below fails them, which is expected here.
    for (const c of [...conns, second]) exec(c, 'show version').catch(() => undefined);
    await until(() => l.fleetCounters().maxConcurrentSessions === 5, 'five sessions at once', 10_000);
    expect(l.counters('r001')).toMatchObject({ concurrentSessions: 2, maxConcurrentSessions: 2 });
    expect(l.counters('r002')).toMatchObject({ concurrentSessions: 1, maxConcurrentSessions: 1 });
    for (const c of clients.splice(0)) c.destroy();
    await until(
      () => Object.values(l.counters()).every((k) => k.concurrentSessions === 0),
      'every session closed',
      10_000,
    );
    expect(l.fleetCounters().maxConcurrentSessions).toBe(5);
  });
});
