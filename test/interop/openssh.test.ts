import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { fingerprint, hashHostName } from '../../src/transport/known-hosts.js';
import { RemoteFileError } from '../../src/transport/sftp-files.js';
import { SshTransport } from '../../src/transport/ssh.js';
import type { Session } from '../../src/transport/transport.js';
import { freePort, keygen, SSHD_TEST_PASSWORD, startSshd, stopProcessTree, type Sshd } from '../support/sshd.js';
import { failure } from '../support/transport.js';
import { until } from '../support/wait.js';

const run = promisify(execFile);

let sshd: Sshd;
// No agent from the developer's shell may leak into these tests: each says which credentials it uses.
const transport = new SshTransport({ agentSocket: '', env: {} });

beforeAll(async () => {
  sshd = await startSshd({ passwordAuth: true });
});
afterAll(async () => {
  await sshd?.stop();
});

function target(overrides: Partial<Connection> = {}): Connection {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    keyFile: sshd.keyPath,
    knownHosts: sshd.knownHostsPath,
    hostKeyChecking: 'strict',
    transport: 'ssh',
    ...overrides,
  };
}

async function knownHostsFile(name: string, text: string): Promise<string> {
  const path = join(sshd.dir, name);
  await writeFile(path, text);
  return path;
}

async function withSession<T>(
  conn: Connection,
  body: (session: Session) => Promise<T>,
  t: SshTransport = transport,
): Promise<T> {
  const session = await t.connect(conn, { timeoutMs: 10_000 });
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

const hostKeyBlob = (): Buffer => Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64');

describe('authentication', () => {
  it('logs in with a key file and runs a command', async () => {
    const result = await withSession(target(), (s) => s.exec('id -un'));
    expect(result).toEqual({ rc: 0, stdout: `${sshd.user}\n`, stderr: '' });
  });

  it('logs in with the password from password_env, and classifies a wrong one as auth', async () => {
    const withPassword = new SshTransport({
      agentSocket: '',
      env: { DEVICE_PW: SSHD_TEST_PASSWORD, BAD_PW: 'not-it' },
    });
    const conn = target({ keyFile: undefined, passwordEnv: 'DEVICE_PW' });
    expect((await withSession(conn, (s) => s.exec('echo in'), withPassword)).stdout).toBe('in\n');

    const err = await failure(
      withPassword.connect(target({ keyFile: undefined, passwordEnv: 'BAD_PW' }), { timeoutMs: 10_000 }),
    );
    expect(err.reason).toBe('auth');
    expect(err.message).toContain(`authentication failed for ${sshd.user}`);
    expect(err.message).not.toContain('not-it');
    expect(err.message).not.toContain('\n');
  });

  it('decrypts a key with the passphrase from passphrase_env', async () => {
    const keyPath = join(sshd.dir, 'id_locked');
    const pub = await keygen(keyPath, { passphrase: 'open sesame' });
    await appendFile(sshd.authorizedKeysPath, `${pub}\n`);
    const t = new SshTransport({ agentSocket: '', env: { KEY_PASS: 'open sesame', WRONG_PASS: 'nope' } });
    const conn = target({ keyFile: keyPath, passphraseEnv: 'KEY_PASS' });
    expect((await withSession(conn, (s) => s.exec('echo unlocked'), t)).stdout).toBe('unlocked\n');

    const wrong = await failure(t.connect({ ...conn, passphraseEnv: 'WRONG_PASS' }, { timeoutMs: 10_000 }));
    expect(wrong.reason).toBe('auth');
    expect(wrong.message).toContain('wrong passphrase in WRONG_PASS');
    expect(wrong.message).not.toContain('nope');
  });

  it('classifies a key the server does not accept as auth', async () => {
    const strangerKey = join(sshd.dir, 'id_stranger');
    await keygen(strangerKey);
    const err = await failure(transport.connect(target({ keyFile: strangerKey }), { timeoutMs: 10_000 }));
    expect(err.reason).toBe('auth');
  });

  it('logs in with a key held by a real ssh-agent', async () => {
    const socket = join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100; i++) {
        if ((await stat(socket).catch(() => null))?.isSocket()) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await run('ssh-add', [sshd.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      const viaAgent = new SshTransport({ env: { SSH_AUTH_SOCK: socket } });
      const result = await withSession(target({ keyFile: undefined }), (s) => s.exec('echo agent'), viaAgent);
      expect(result.stdout).toBe('agent\n');
    } finally {
      await stopProcessTree(agent);
    }
  });
});

describe('host key checking', () => {
  it('accepts the host through plain, hashed, wildcard and port-wildcard known_hosts entries', async () => {
    const key = sshd.hostPublicKey;
    const forms = [
      `[127.0.0.1]:${sshd.port} ${key}`,
      `otherhost,[127.0.0.1]:${sshd.port},10.9.9.9 ${key}`,
      `${hashHostName(`[127.0.0.1]:${sshd.port}`)} ${key}`,
      `[127.0.0.*]:${sshd.port} ${key}`,
      `[127.0.0.1]:* ${key}`,
    ];
    for (const [i, line] of forms.entries()) {
      const file = await knownHostsFile(`kh-form-${i}`, `# form ${i}\n${line}\n`);
      const result = await withSession(target({ knownHosts: file }), (s) => s.exec('true'));
      expect(result.rc, line).toBe(0);
    }
  });

  it('accepts entries hashed by ssh-keygen -H', async () => {
    const file = await knownHostsFile('kh-keygen-hashed', `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    expect(await readFile(file, 'utf8')).toMatch(/^\|1\|/);
    expect((await withSession(target({ knownHosts: file }), (s) => s.exec('true'))).rc).toBe(0);
  });

  it('refuses a mismatched key with reason host_key, naming host, file and the presented fingerprint', async () => {
    const impostor = await keygen(join(sshd.dir, 'impostor_key'));
    const file = await knownHostsFile(
      'kh-mismatch',
      `[127.0.0.1]:${sshd.port} ${impostor.split(' ').slice(0, 2).join(' ')}\n`,
    );
    const err = await failure(transport.connect(target({ knownHosts: file }), { timeoutMs: 10_000 }));
    expect(err.reason).toBe('host_key');
    expect(err.message).toContain(`127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(file);
    expect(err.message).toContain(fingerprint(hostKeyBlob()));
  });

  it('refuses an unknown host when strict, and when a negated pattern excludes it', async () => {
    const empty = await knownHostsFile('kh-empty', '');
    expect((await failure(transport.connect(target({ knownHosts: empty }), { timeoutMs: 10_000 }))).reason).toBe(
      'host_key',
    );
    const missing = join(sshd.dir, 'no-such-known-hosts');
    expect((await failure(transport.connect(target({ knownHosts: missing }), { timeoutMs: 10_000 }))).reason).toBe(
      'host_key',
    );
    const negated = await knownHostsFile(
      'kh-negated',
      `[127.0.0.*]:*,![127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`,
    );
    expect((await failure(transport.connect(target({ knownHosts: negated }), { timeoutMs: 10_000 }))).reason).toBe(
      'host_key',
    );
  });

  it('refuses a key marked @revoked', async () => {
    const file = await knownHostsFile(
      'kh-revoked',
      `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n@revoked * ${sshd.hostPublicKey}\n`,
    );
    const err = await failure(transport.connect(target({ knownHosts: file }), { timeoutMs: 10_000 }));
    expect(err.reason).toBe('host_key');
    expect(err.message).toContain('@revoked');
  });

  it('accept-new records an unknown host in [host]:port form, then holds it to that key', async () => {
    const file = join(sshd.dir, 'kh-accept-new', 'known_hosts');
    await withSession(target({ knownHosts: file, hostKeyChecking: 'accept-new' }), (s) => s.exec('true'));
    expect(await readFile(file, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    // Now known: strict checking passes with the recorded line, and a second accept-new adds nothing.
    await withSession(target({ knownHosts: file }), (s) => s.exec('true'));
    await withSession(target({ knownHosts: file, hostKeyChecking: 'accept-new' }), (s) => s.exec('true'));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('accept-new still refuses a mismatched key and leaves the file alone', async () => {
    const impostor = await keygen(join(sshd.dir, 'impostor_key2'));
    const text = `[127.0.0.1]:${sshd.port} ${impostor.split(' ').slice(0, 2).join(' ')}\n`;
    const file = await knownHostsFile('kh-accept-new-mismatch', text);
    const err = await failure(
      transport.connect(target({ knownHosts: file, hostKeyChecking: 'accept-new' }), { timeoutMs: 10_000 }),
    );
    expect(err.reason).toBe('host_key');
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('asks a host with several keys for the type known_hosts records, as ssh does', async () => {
    const multi = await startSshd({ hostKeyTypes: ['ed25519', 'rsa'] });
    try {
      const file = await knownHostsFile('kh-rsa-only', `[127.0.0.1]:${multi.port} ${multi.hostPublicKeys.rsa}\n`);
      const conn = { ...target(), port: multi.port, keyFile: multi.keyPath, knownHosts: file };
      expect((await withSession(conn, (s) => s.exec('echo rsa'))).stdout).toBe('rsa\n');
      // Recording the other key type under the wrong host still fails: the check is real, not skipped.
      const wrong = await knownHostsFile('kh-rsa-wrong', `[127.0.0.1]:${multi.port} ${sshd.hostPublicKey}\n`);
      expect((await failure(transport.connect({ ...conn, knownHosts: wrong }, { timeoutMs: 10_000 }))).reason).toBe(
        'host_key',
      );
    } finally {
      await multi.stop();
    }
  });

  it('off accepts any key and warns once per process', async () => {
    const warnings: string[] = [];
    const t = new SshTransport({ agentSocket: '', env: {}, warn: (m) => warnings.push(m) });
    const impostor = await keygen(join(sshd.dir, 'impostor_key3'));
    const file = await knownHostsFile(
      'kh-off',
      `[127.0.0.1]:${sshd.port} ${impostor.split(' ').slice(0, 2).join(' ')}\n`,
    );
    await withSession(target({ knownHosts: file, hostKeyChecking: 'off' }), (s) => s.exec('true'), t);
    await withSession(target({ knownHosts: file, hostKeyChecking: 'off' }), (s) => s.exec('true'), t);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('host_key_checking is off');
  });
});

describe('commands', () => {
  it('returns exit codes, stdout and stderr; a non-zero exit is a result', async () => {
    const result = await withSession(target(), (s) => s.exec('echo out; echo "bad thing" >&2; exit 7'));
    expect(result).toEqual({ rc: 7, stdout: 'out\n', stderr: 'bad thing\n' });
  });

  it('reports a command ended by a signal', async () => {
    const result = await withSession(target(), (s) => s.exec('kill -TERM $$'));
    expect(result.rc).toBeNull();
    expect(result.signal).toBe('SIGTERM');
  });

  it('reuses one connection for many commands and runs them one at a time', async () => {
    const log = join(sshd.workDir, 'serial.log');
    // Each command's parent is the sshd process serving its connection: one parent means one connection.
    const script = (n: number): string =>
      `echo start ${n} >> ${log}; sleep 0.1; echo end ${n} >> ${log}; echo ${n} $PPID`;
    const results = await withSession(target(), (s) => Promise.all([1, 2, 3, 4, 5].map((n) => s.exec(script(n)))));
    const lines = results.map((r) => r.stdout.trim().split(' '));
    expect(lines.map(([n]) => n)).toEqual(['1', '2', '3', '4', '5']);
    expect(new Set(lines.map(([, parent]) => parent)).size).toBe(1);
    const otherConnection = await withSession(target(), (s) => s.exec('echo $PPID'));
    expect(otherConnection.stdout.trim()).not.toBe(lines[0]![1]);
    const written = (await readFile(log, 'utf8')).trim().split('\n');
    expect(written).toEqual([1, 2, 3, 4, 5].flatMap((n) => [`start ${n}`, `end ${n}`]));
  });

  it('times a command out, kills it, and keeps the session usable', async () => {
    await withSession(target(), async (s) => {
      // A duration no other process on the machine will be sleeping for, so pgrep sees only this command.
      const secs = 3000 + (process.pid % 1000);
      const err = await failure(s.exec(`sleep ${secs}`, { timeoutMs: 500 }));
      expect(err.reason).toBe('timeout');
      expect(err.message).toContain('timed out after 500 ms');
      const after = await s.exec(`pgrep -f 'slee[p] ${secs}' || echo none`);
      expect(after.stdout).toBe('none\n');
    });
  });

  it('stops a command when its abort signal fires', async () => {
    await withSession(target(), async (s) => {
      const controller = new AbortController();
      const running = s.exec('sleep 38', { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('interrupted')), 200);
      await expect(running).rejects.toThrow('interrupted');
      expect((await s.exec('echo alive')).stdout).toBe('alive\n');
    });
  });

  it('classifies the connection dying under a running command as dropped, and later calls too', async () => {
    const session = await transport.connect(target(), { timeoutMs: 10_000 });
    try {
      // The command says it has started, so the connection dies under it, not before it, however busy the machine.
      const started = join(sshd.workDir, 'dying-started');
      const running = session.exec(`touch ${started}; sleep 39`);
      await until(() => existsSync(started), 'the command to start');
      for (const pid of await sshd.connectionPids()) process.kill(pid, 'SIGKILL');
      const err = await failure(running);
      expect(err.reason).toBe('dropped');
      expect((await failure(session.exec('true'))).reason).toBe('dropped');
    } finally {
      await session.close();
    }
  });

  it('detects a silently dead peer through keepalives', async () => {
    const t = new SshTransport({ agentSocket: '', env: {}, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const session = await t.connect(target(), { timeoutMs: 10_000 });
    // sshd forks the process that serves the connection after authentication; a command makes sure it exists.
    await session.exec('true');
    const frozen = await sshd.connectionPids();
    try {
      // A frozen server process keeps the TCP connection open but never answers: the silent-death case.
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      const err = await failure(session.exec('echo never'));
      expect(['dropped', 'timeout']).toContain(err.reason);
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      await session.close();
    }
  });
});

describe('files over SFTP', () => {
  it('pushes a file with a mode and reads it back', async () => {
    const dir = join(sshd.workDir, 'push');
    const path = join(dir, 'motd.conf');
    const content = Buffer.from('banner "managed by runbook"\nntp server 10.0.0.1\n');
    await withSession(target(), async (s) => {
      await s.exec(`mkdir ${dir}`);
      expect(await s.readFile(path)).toBeNull();
      await s.writeFile(path, content, { mode: '0640' });
      expect((await s.readFile(path))?.equals(content)).toBe(true);
      expect((await s.exec(`stat -c %a ${path}`)).stdout).toBe('640\n');
      // The temporary file was renamed away, not left beside the target.
      expect((await s.exec(`ls -A ${dir}`)).stdout).toBe('motd.conf\n');
    });
  });

  it('replaces an existing file, keeping its mode when none is given', async () => {
    const path = join(sshd.workDir, 'existing.conf');
    await withSession(target(), async (s) => {
      await s.exec(`printf old > ${path} && chmod 600 ${path}`);
      await s.writeFile(path, 'new contents\n');
      expect((await s.exec(`cat ${path}; stat -c %a ${path}`)).stdout).toBe('new contents\n600\n');
      await s.writeFile(path, 'newer\n', { mode: '0755' });
      expect((await s.exec(`stat -c %a ${path}`)).stdout).toBe('755\n');
    });
  });

  it("reads a file's mode and size, and changes its mode without touching its content", async () => {
    const path = join(sshd.workDir, 'modes.conf');
    await withSession(target(), async (s) => {
      expect(await s.stat(path)).toBeNull();
      await s.exec(`printf 'logging host 10.0.0.9\\n' > ${path} && chmod 600 ${path}`);
      expect(await s.stat(path)).toEqual({ mode: 0o600, size: 'logging host 10.0.0.9\n'.length });
      await s.chmod(path, '0644');
      expect((await s.exec(`stat -c %a ${path}; cat ${path}`)).stdout).toBe('644\nlogging host 10.0.0.9\n');
      expect((await s.stat(path))?.mode).toBe(0o644);
      const missing = await s.chmod(join(sshd.workDir, 'absent.conf'), '0644').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(missing).toBeInstanceOf(RemoteFileError);
      expect((missing as Error).message).toBe(
        `127.0.0.1:${sshd.port}: cannot chmod ${join(sshd.workDir, 'absent.conf')}: no such file or directory`,
      );
      await expect(s.chmod(path, 'rw-r--r--')).rejects.toBeInstanceOf(RemoteFileError);
      // The session is still usable after file errors.
      expect((await s.exec('echo fine')).stdout).toBe('fine\n');
    });
  });

  it('round-trips a megabyte of binary data', async () => {
    const path = join(sshd.workDir, 'blob.bin');
    const data = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) & 0xff));
    const back = await withSession(target(), async (s) => {
      await s.writeFile(path, data);
      return s.readFile(path);
    });
    expect(back?.equals(data)).toBe(true);
  });

  it('reports a file it may not write as a one-line file error, not a transport failure', async () => {
    await withSession(target(), async (s) => {
      const err = await s.writeFile('/root/forbidden.conf', 'x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RemoteFileError);
      expect((err as Error).message).toBe(
        `127.0.0.1:${sshd.port}: cannot write /root/forbidden.conf: permission denied`,
      );
      expect((await s.exec('echo fine')).stdout).toBe('fine\n');
    });
  });
});

describe('unreachable hosts', () => {
  it('classifies a closed port as refused', async () => {
    const port = await freePort();
    const err = await failure(transport.connect(target({ port }), { timeoutMs: 5_000 }));
    expect(err.reason).toBe('refused');
    expect(err.message).toBe(`127.0.0.1:${port}: connection refused`);
  });

  describe('a port that accepts TCP but never speaks SSH', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        // Read (and ignore) what the client sends, so its hang-up is noticed; never write a byte.
        socket.resume();
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const silentPort = (): number => (silent.address() as { port: number }).port;

    it('times out within the connect timeout and closes the socket', async () => {
      const started = Date.now();
      const err = await failure(transport.connect(target({ port: silentPort() }), { timeoutMs: 1_000 }));
      expect(err.reason).toBe('timeout');
      expect(err.message).toContain('1000 ms');
      expect(Date.now() - started).toBeLessThan(10_000);
      for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(sockets.size).toBe(0);
    });

    it('gives up when the connect is aborted', async () => {
      const controller = new AbortController();
      const connecting = transport.connect(target({ port: silentPort() }), {
        timeoutMs: 30_000,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error('run interrupted')), 100);
      await expect(connecting).rejects.toThrow('run interrupted');
    });
  });
});

/**
 * A TCP relay to sshd that can start swallowing every byte in both directions while keeping both
 * connections open: the network black hole behind a device that died without a word.
 */
async function startBlackHoleRelay(
  upstreamPort: number,
): Promise<{ port: number; swallow(): void; stop(): Promise<void> }> {
  let swallowing = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((downstream) => {
    const upstream = tcpConnect(upstreamPort, '127.0.0.1');
    track(downstream);
    track(upstream);
    downstream.on('data', (chunk) => swallowing || upstream.write(chunk));
    upstream.on('data', (chunk) => swallowing || downstream.write(chunk));
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    swallow: () => (swallowing = true),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a peer that stops answering mid-command', () => {
  it('times the command out, ends the connection it cannot close, and fails later calls as dropped', async () => {
    const relay = await startBlackHoleRelay(sshd.port);
    const knownHosts = await knownHostsFile('kh-relay', `[127.0.0.1]:${relay.port} ${sshd.hostPublicKey}\n`);
    const session = await transport.connect(target({ port: relay.port, knownHosts }), { timeoutMs: 10_000 });
    let serving: number[] = [];
    try {
      const running = session.exec('sleep 40', { timeoutMs: 500 });
      await new Promise((r) => setTimeout(r, 300));
      // Swallow before anything slow: on a busy machine, listing processes can outlast the command's timeout.
      relay.swallow();
      serving = await sshd.connectionPids();
      const err = await failure(running);
      expect(err.reason).toBe('timeout');
      const after = await failure(session.exec('true'));
      expect(after.reason).toBe('dropped');
      expect(after.message).toContain('would not stop');
    } finally {
      await session.close();
      // The KILL never reached sshd; its processes for this connection are ours to end.
      for (const pid of serving) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await relay.stop();
    }
  });
});
