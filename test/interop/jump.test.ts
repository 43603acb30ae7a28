import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { EventBus } from '../../src/engine/events.js';
import { loadPlan } from '../../src/engine/load-plan.js';
import { runPlan } from '../../src/engine/run.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { TransportError, type Session } from '../../src/transport/transport.js';
import { freePort, startSshd, type Sshd } from '../support/sshd.js';

/**
 * Jump hosts against real OpenSSH: a jump sshd (DEBUG1 logs every direct-tcpip channel it opens, with its
 * target) in front of device sshds. The jump's log is the proof that a device was reached through it.
 */

let jump: Sshd;
let jump2: Sshd;
let devices: Sshd[];
let knownHosts: string;

beforeAll(async () => {
  jump = await startSshd({ logLevel: 'DEBUG1' });
  const pub = (await readFile(`${jump.keyPath}.pub`, 'utf8')).trim();
  // One client key for the whole path, as an operator's key is accepted by bastions and devices alike.
  jump2 = await startSshd({ logLevel: 'DEBUG1', authorizedKey: pub });
  devices = await Promise.all([startSshd({ authorizedKey: pub }), startSshd({ authorizedKey: pub })]);
  knownHosts = join(jump.dir, 'known_hosts_all');
  const lines = await Promise.all([jump, jump2, ...devices].map((s) => readFile(s.knownHostsPath, 'utf8')));
  await writeFile(knownHosts, lines.join(''));
});
afterAll(async () => {
  await Promise.all([jump, jump2, ...(devices ?? [])].filter(Boolean).map((s) => s.stop()));
});

function hop(s: Sshd, over: Partial<Connection> = {}): Connection {
  return {
    transport: 'ssh',
    host: s.host,
    port: s.port,
    user: s.user,
    keyFile: jump.keyPath,
    knownHosts,
    hostKeyChecking: 'strict',
    ...over,
  };
}

/** The targets of the direct-tcpip channels a jump sshd opened, as its log records them. */
function forwardedPorts(s: Sshd): number[] {
  return [...s.log().matchAll(/server_request_direct_tcpip: originator \S+ port \d+, target \S+ port (\d+)/g)].map(
    (m) => Number(m[1]),
  );
}

const logins = (s: Sshd): number => (s.log().match(/Accepted publickey for /g) ?? []).length;

async function expectFailure(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TransportError) return err;
    throw err;
  }
  throw new Error('expected a transport failure');
}

describe('devices behind an OpenSSH jump host', () => {
  it('reaches a device through a direct-tcpip channel of the jump sshd, with both host keys checked', async () => {
    const t = new SshTransport({ agentSocket: '', env: {} });
    const before = forwardedPorts(jump).length;
    const session = await t.connect({ ...hop(devices[0]!), jump: [hop(jump)] }, { timeoutMs: 10_000 });
    expect((await session.exec('echo through')).stdout).toBe('through\n');
    await session.close();
    expect(forwardedPorts(jump).slice(before)).toEqual([devices[0]!.port]);

    // The device's key is checked at the device, not at the jump host: a wrong one is refused as host_key.
    const wrongDevice = join(jump.dir, 'kh_wrong_device');
    const all = await readFile(knownHosts, 'utf8');
    const otherKey = jump2.hostPublicKey;
    await writeFile(wrongDevice, all.replace(devices[0]!.hostPublicKey, otherKey));
    const bad = await expectFailure(
      t.connect({ ...hop(devices[0]!, { knownHosts: wrongDevice }), jump: [hop(jump)] }, { timeoutMs: 10_000 }),
    );
    expect(bad.reason).toBe('host_key');

    // A jump host whose key is wrong is a jump failure, before any device is reached.
    const wrongJump = join(jump.dir, 'kh_wrong_jump');
    await writeFile(wrongJump, all.replace(jump.hostPublicKey, otherKey));
    const t2 = new SshTransport({ agentSocket: '', env: {} });
    const viaBadJump = await expectFailure(
      t2.connect({ ...hop(devices[0]!), jump: [hop(jump, { knownHosts: wrongJump })] }, { timeoutMs: 10_000 }),
    );
    expect(viaBadJump.reason).toBe('jump');
    expect(viaBadJump.message).toMatch(/^jump: .*host_key: .*does not match/);
    await Promise.all([t.close(), t2.close()]);
  });

  it('follows a two-hop chain: the first jump forwards to the second, the second to the device', async () => {
    const t = new SshTransport({ agentSocket: '', env: {} });
    const [before1, before2] = [forwardedPorts(jump).length, forwardedPorts(jump2).length];
    const session = await t.connect({ ...hop(devices[1]!), jump: [hop(jump), hop(jump2)] }, { timeoutMs: 10_000 });
    expect((await session.exec('echo two hops')).stdout).toBe('two hops\n');
    await session.close();
    await t.close();
    expect(forwardedPorts(jump).slice(before1)).toEqual([jump2.port]);
    expect(forwardedPorts(jump2).slice(before2)).toEqual([devices[1]!.port]);
  });

  it('logs in to the jump host once for all its devices; MaxSessions does not bound forwarded channels', async () => {
    const limited = await startSshd({
      logLevel: 'DEBUG1',
      extraConfig: ['MaxSessions 2'],
      authorizedKey: (await readFile(`${jump.keyPath}.pub`, 'utf8')).trim(),
    });
    try {
      await writeFile(
        knownHosts,
        `${await readFile(knownHosts, 'utf8')}${await readFile(limited.knownHostsPath, 'utf8')}`,
      );
      const t = new SshTransport({ agentSocket: '', env: {} });
      const sessions: Session[] = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t.connect({ ...hop(devices[i % 2]!), jump: [hop(limited)] }, { timeoutMs: 10_000 }),
        ),
      );
      const outputs = await Promise.all(sessions.map((s) => s.exec('echo ok')));
      expect(outputs.map((o) => o.stdout)).toEqual(Array(6).fill('ok\n'));
      await Promise.all(sessions.map((s) => s.close()));
      expect(logins(limited)).toBe(1);
      expect(t.jumpStats()).toEqual([expect.objectContaining({ logins: 1, devices: 2, peakChannels: 6 })]);
      await t.close();

      // With runbook's own cap at 2 channels per jump connection, six devices at once take three logins.
      const capped = new SshTransport({ agentSocket: '', env: {}, maxChannelsPerJump: 2 });
      const more = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          capped.connect({ ...hop(devices[i % 2]!), jump: [hop(limited)] }, { timeoutMs: 10_000 }),
        ),
      );
      await Promise.all(more.map((s) => s.close()));
      await capped.close();
      expect(logins(limited)).toBe(1 + 3);
      expect(capped.jumpStats()[0]).toMatchObject({ logins: 3, peakChannels: 2 });
    } finally {
      await limited.stop();
    }
  });

  it('a jump host that refuses connections fails every device behind it after one attempt', async () => {
    const t = new SshTransport({ agentSocket: '', env: {} });
    const deadPort = await freePort();
    const failures = await Promise.all(
      devices
        .concat(devices)
        .map((d) =>
          expectFailure(t.connect({ ...hop(d), jump: [hop(jump, { port: deadPort })] }, { timeoutMs: 5_000 })),
        ),
    );
    expect(failures.map((f) => f.reason)).toEqual(['jump', 'jump', 'jump', 'jump']);
    expect(failures[0]!.message).toMatch(/^jump: \S+@127\.0\.0\.1:\d+: refused: /);
    expect(t.jumpStats()[0]).toMatchObject({ failures: 1, logins: 0, state: 'open' });
    await t.close();
  });

  it('a jump host that never speaks SSH fails its devices within one connect timeout, one TCP attempt', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const t = new SshTransport({ agentSocket: '', env: {} });
    try {
      const failures = await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          expectFailure(t.connect({ ...hop(devices[i % 2]!), jump: [hop(jump, { port })] }, { timeoutMs: 1_000 })),
        ),
      );
      expect(failures.map((f) => f.reason)).toEqual(Array(5).fill('jump'));
      expect(sockets.length).toBe(1);
    } finally {
      await t.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a jump sshd killed mid-run fails the sessions on it; a new device then fails as a jump failure', async () => {
    const doomed = await startSshd({ authorizedKey: (await readFile(`${jump.keyPath}.pub`, 'utf8')).trim() });
    try {
      await writeFile(
        knownHosts,
        `${await readFile(knownHosts, 'utf8')}${await readFile(doomed.knownHostsPath, 'utf8')}`,
      );
      const t = new SshTransport({ agentSocket: '', env: {} });
      const sessions = await Promise.all(
        devices.map((d) => t.connect({ ...hop(d), jump: [hop(doomed)] }, { timeoutMs: 10_000 })),
      );
      const running = sessions.map((s) =>
        s.exec('sleep 30', { timeoutMs: 20_000 }).then(
          () => null,
          (e: TransportError) => e,
        ),
      );
      // Our own sshd and its connection processes, by pid: the bastion dies.
      for (const pid of await doomed.connectionPids()) process.kill(pid, 'SIGKILL');
      process.kill(doomed.pid, 'SIGKILL');
      const lost = await Promise.all(running);
      expect(lost.map((e) => e?.reason)).toEqual(['dropped', 'dropped']);
      const after = await expectFailure(t.connect({ ...hop(devices[0]!), jump: [hop(doomed)] }, { timeoutMs: 5_000 }));
      expect(after.reason).toBe('jump');
      expect(t.jumpStats()[0]).toMatchObject({ logins: 1, drops: 1, failures: 1, state: 'open' });
      await Promise.all(sessions.map((s) => s.close()));
      await t.close();
    } finally {
      await doomed.stop();
    }
  });

  it('a ProxyCommand runs OpenSSH itself (ssh -W) as the way to the device', async () => {
    const t = new SshTransport({ agentSocket: '', env: {} });
    const before = forwardedPorts(jump).length;
    const d = devices[0]!;
    const proxyCommand =
      `ssh -q -i ${jump.keyPath} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHosts} ` +
      `-p ${jump.port} -W 127.0.0.1:${d.port} ${jump.user}@127.0.0.1`;
    const session = await t.connect({ ...hop(d), proxyCommand }, { timeoutMs: 10_000 });
    expect((await session.exec('echo piped')).stdout).toBe('piped\n');
    await session.close();
    await t.close();
    expect(forwardedPorts(jump).slice(before)).toEqual([d.port]);
  });

  it('a playbook run reads ProxyJump from the -F config: every device through the jump sshd, one login', async () => {
    const dir = jump.workDir.replace(/work$/, '');
    const config = join(dir, 'ssh_config');
    await writeFile(
      config,
      [
        'Host bastion',
        `  HostName 127.0.0.1`,
        `  Port ${jump.port}`,
        `  User ${jump.user}`,
        'Host dev*',
        '  HostName 127.0.0.1',
        `  User ${jump.user}`,
        `  IdentityFile ${jump.keyPath}`,
        `  UserKnownHostsFile ${knownHosts}`,
        '  ProxyJump bastion',
        ...devices.map((d, i) => `Host dev${i + 1}\n  Port ${d.port}`),
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'inventory.yml'), 'all:\n  hosts:\n    dev1:\n    dev2:\n');
    await writeFile(
      join(dir, 'site.yml'),
      '- name: Through\n  hosts: all\n  inventory: inventory.yml\n  tasks:\n    - command: echo via-config\n',
    );
    const { plan, diagnostics } = loadPlan({ playbook: join(dir, 'site.yml'), sshConfigFile: config });
    expect(diagnostics).toEqual([]);
    const before = { forwarded: forwardedPorts(jump).length, logins: logins(jump) };
    const t = new SshTransport({ agentSocket: '', env: {} });
    const report = await runPlan(plan!, { transport: t, bus: new EventBus(), runId: 'jump', env: {} });
    await t.close();
    expect(report.hosts.map((h) => [h.name, h.status])).toEqual([
      ['dev1', 'changed'],
      ['dev2', 'changed'],
    ]);
    expect(forwardedPorts(jump).slice(before.forwarded).sort()).toEqual(devices.map((d) => d.port).sort());
    expect(logins(jump) - before.logins).toBe(1);
  });
});

describe('ssh_config values against OpenSSH', () => {
  it('HostKeyAlias: the host key is looked up under the alias, not host and port', async () => {
    const d = devices[0]!;
    const aliased = join(jump.dir, 'kh_alias');
    await writeFile(aliased, `device-one ${d.hostPublicKey}\n`);
    const t = new SshTransport({ agentSocket: '', env: {} });
    const session = await t.connect(
      { ...hop(d, { knownHosts: aliased }), hostKeyAlias: 'device-one' },
      { timeoutMs: 10_000 },
    );
    expect((await session.exec('echo aliased')).stdout).toBe('aliased\n');
    await session.close();
    const without = await expectFailure(t.connect(hop(d, { knownHosts: aliased }), { timeoutMs: 10_000 }));
    expect(without.reason).toBe('host_key');
    await t.close();
  });

  it('IdentityFile beyond the first: a missing key is skipped and the next one logs in', async () => {
    const t = new SshTransport({ agentSocket: '', env: {} });
    const d = devices[1]!;
    // The first key is one the device does not accept (jump2's own client key), the second does not exist.
    const conn = hop(d, { keyFile: jump2.keyPath, identityFiles: [join(jump.dir, 'no-such-key'), jump.keyPath] });
    const session = await t.connect(conn, { timeoutMs: 10_000 });
    expect((await session.exec('echo second-key')).stdout).toBe('second-key\n');
    await session.close();
    await t.close();
  });
});
