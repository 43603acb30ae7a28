import net from 'node:net';
import type { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { until } from '../support/wait.js';
import { connect, connectError, exec } from './ssh.js';

let lab: Lab | undefined;
const clients: Client[] = [];

async function start(opts: Parameters<typeof startLab>[0]): Promise<Lab> {
  lab = await startLab({ latencyMs: 0, ...opts });
  return lab;
}

async function open(l: Lab, host: string): Promise<Client> {
  const c = await connect(l, host);
  clients.push(c);
  return c;
}

function tcpConnect(port: number): Promise<{ code: string; socket?: net.Socket }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => resolve({ code: 'connected', socket: s }));
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code ?? 'error' }));
  });
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await lab?.stop();
  lab = undefined;
});

describe('connection faults', () => {
  it('hang: takes the TCP connection but never sends the SSH banner', async () => {
    const l = await start({ hosts: 2, faults: ['r001:hang'] });
    const tcp = await tcpConnect(l.hosts[0]?.port ?? 0);
    expect(tcp.code).toBe('connected');
    const silent = await new Promise<number>((resolve) => {
      let bytes = 0;
      tcp.socket?.on('data', (d: Buffer) => (bytes += d.length));
      setTimeout(() => resolve(bytes), 500);
    });
    tcp.socket?.destroy();
    expect(silent).toBe(0);
    const err = await connectError(l, 'r001', { readyTimeout: 1_000 });
    expect(err?.message).toMatch(/Timed out while waiting for handshake/);
    expect(l.counters('r001').connections).toBe(2);
    expect(await connectError(l, 'r002')).toBeNull();
  });

  it('refuse: nothing listens, and the same port listens again once cleared', async () => {
    const l = await start({ hosts: 2, faults: ['r002:refuse'] });
    expect((await connectError(l, 'r002'))?.code).toBe('ECONNREFUSED');
    expect(await connectError(l, 'r001')).toBeNull();
    l.clearFault('r002');
    await l.settled();
    const c = await open(l, 'r002');
    expect((await exec(c, 'hostname')).stdout).toBe('r002\n');
    l.setFault('r002:refuse');
    expect((await connectError(l, 'r002'))?.code).toBe('ECONNREFUSED');
  });

  it('auth: rejects every credential, the right key and the right password included', async () => {
    const l = await start({ hosts: 1, faults: ['r001:auth'] });
    expect((await connectError(l, 'r001'))?.level).toBe('client-authentication');
    expect((await connectError(l, 'r001', { password: l.password }))?.level).toBe('client-authentication');
    expect(l.counters('r001').authFailures).toBeGreaterThanOrEqual(2);
    l.clearFault();
    expect(await connectError(l, 'r001')).toBeNull();
  });
});

describe('command faults', () => {
  it('slow: each command takes the extra time', async () => {
    const l = await start({ hosts: 2, faults: ['r001:slow:800ms'] });
    const c = await open(l, 'r001');
    const t0 = Date.now();
    expect((await exec(c, 'hostname')).rc).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
  });

  it('fail: commands exit 1 with an error on stderr', async () => {
    const l = await start({ hosts: 2, faults: ['r002:fail'] });
    const bad = await exec(await open(l, 'r002'), 'show version');
    expect(bad.rc).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/r002: command failed/);
    expect((await exec(await open(l, 'r001'), 'show version')).rc).toBe(0);
  });

  it('drop: the connection closes in the middle of a command, after part of the output', async () => {
    const l = await start({ hosts: 1, faults: ['r001:drop'] });
    const c = await open(l, 'r001');
    const closed = new Promise<void>((resolve) => c.on('close', () => resolve()));
    const out = await exec(c, 'show running-config');
    await closed;
    expect(out.rc).toBeNull();
    expect(out.stdout.length).toBeGreaterThan(0);
    expect(out.stdout).not.toContain('end\n');
  });

  it('stall: accepts the command and never answers', async () => {
    const l = await start({ hosts: 1, faults: ['r001:stall'] });
    const c = await open(l, 'r001');
    const answer = exec(c, 'hostname').then(() => 'answered');
    // The second of silence counts from the device taking the command, which a busy machine can delay.
    await until(() => l.counters('r001').commands === 1, 'the command to reach the device');
    const outcome = await Promise.race([answer, new Promise<string>((r) => setTimeout(() => r('no answer'), 1_000))]);
    expect(outcome).toBe('no answer');
    expect(l.counters('r001').commands).toBe(1);
  });

  it('flaky: fails a share of commands, in the same pattern for the same seed', async () => {
    const pattern = async (seed: number) => {
      const l = await start({ hosts: 3, seed, faults: ['r002:flaky:0.5'] });
      const c = await open(l, 'r002');
      let p = '';
      for (let i = 0; i < 16; i++) p += (await exec(c, 'true')).rc === 0 ? '.' : 'F';
      c.destroy();
      await l.stop();
      return p;
    };
    const first = await pattern(42);
    const again = await pattern(42);
    expect(again).toBe(first);
    expect(first).toContain('F');
    expect(first).toContain('.');
    expect(await pattern(7)).not.toBe(first);
  });

  it('flaky:0 never fails and flaky:1 always does', async () => {
    const l = await start({ hosts: 2, faults: ['r001:flaky:0', 'r002:flaky:1'] });
    const [a, b] = [await open(l, 'r001'), await open(l, 'r002')];
    for (let i = 0; i < 5; i++) {
      expect((await exec(a, 'true')).rc).toBe(0);
      const r = await exec(b, 'true');
      expect(r.rc).toBe(1);
      expect(r.stderr).toMatch(/transient error/);
    }
  });
});

describe('targets and run-time changes', () => {
  it('applies a site target to every device of that site and a glob to the names it matches', async () => {
    const l = await start({ hosts: 4, sites: 2, faults: ['site2:fail'] });
    l.setFault('r00*:slow:1ms');
    l.setFault('r003:fail');
    const rc = async (h: string) => (await exec(await open(l, h), 'true')).rc;
    expect([await rc('r001'), await rc('r002'), await rc('r003'), await rc('r004')]).toEqual([0, 1, 1, 1]);
  });

  it('sets and clears faults while the lab runs, on live connections too', async () => {
    const l = await start({ hosts: 2 });
    const c = await open(l, 'r001');
    expect((await exec(c, 'true')).rc).toBe(0);
    l.setFault('r001:fail');
    expect((await exec(c, 'true')).rc).toBe(1);
    l.setFault('r001:slow:10ms');
    l.clearFault('r001:fail');
    expect(l.faults()).toEqual([{ target: 'r001', kind: 'slow', delayMs: 10 }]);
    expect((await exec(c, 'true')).rc).toBe(0);
    l.setFault('*:fail');
    expect((await exec(c, 'true')).rc).toBe(1);
    l.clearFault();
    expect(l.faults()).toEqual([]);
    expect((await exec(c, 'true')).rc).toBe(0);
  });

  it('rejects a bad spec with a one-line message', async () => {
    const l = await start({ hosts: 1 });
    expect(() => l.setFault('r001:explode')).toThrow(/^bad fault "r001:explode": unknown kind "explode"/);
    expect(() => l.setFault('r001:slow:fast')).toThrow(/not a duration/);
    await expect(startLab({ hosts: 1, faults: ['nokind'] })).rejects.toThrow(/expected TARGET:KIND/);
  });
});
