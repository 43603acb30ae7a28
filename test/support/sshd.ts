import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD_BINARY = '/usr/sbin/sshd';
/** The unprivileged account the servers log in to when the tests run as root. */
export const SSHD_TEST_USER = 'runbook-sshd-test';
/**
 * The account's password: fixed, because test files run in parallel and each would otherwise reset it
 * under the others' feet. The account exists only on test machines and only these sshds accept it.
 */
export const SSHD_TEST_PASSWORD = 'runbook-interop-Pw-4417';

export interface SshdOptions {
  passwordAuth?: boolean;
  /** Host key types, in sshd's order; the first is `hostPublicKey`. Default: ed25519 only. */
  hostKeyTypes?: string[];
  /** sshd's LogLevel (default VERBOSE); DEBUG1 logs every forwarded (direct-tcpip) connection. */
  logLevel?: string;
  /** More sshd_config lines (MaxSessions, AllowTcpForwarding, …). */
  extraConfig?: string[];
  /** An authorized public key line besides the server's own client key (a fleet sharing one key). */
  authorizedKey?: string;
  /** Log in as root (key auth only) instead of the unprivileged test account; needs the tests to run as root. */
  root?: boolean;
  /**
   * A command that runs sshd's argv, appended to it, and must exec it so that `pid` stays sshd's
   * (`unshare … sh -c '…; exec "$@"' sh`): how a server gets a private mount namespace.
   */
  launcher?: string[];
}

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  user: string;
  /** Private key (ed25519, no passphrase) authorised for `user`. */
  keyPath: string;
  /** A known_hosts file holding this server's key as `[127.0.0.1]:port`. */
  knownHostsPath: string;
  /** The (first) host key as a known_hosts key field: `ssh-ed25519 AAAA…`. */
  hostPublicKey: string;
  /** Every host key, by type given in the options (`ed25519`, `rsa`, `ecdsa`). */
  hostPublicKeys: Record<string, string>;
  /** Scratch directory; removed by stop(). */
  dir: string;
  /** A directory inside `dir` that `user` owns and may write to. */
  workDir: string;
  /** authorized_keys for `user`; append a public key line to authorise another key. */
  authorizedKeysPath: string;
  /** The listening sshd; its children are the per-connection processes. */
  pid: number;
  /** Pids of the processes serving connections right now. */
  connectionPids(): Promise<number[]>;
  /** Everything sshd and its connection processes logged so far. */
  log(): string;
  stop(): Promise<void>;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function ensureAccount(): Promise<string> {
  if (!isRoot()) return userInfo().username;
  try {
    await run('id', ['-u', SSHD_TEST_USER]);
  } catch {
    try {
      await run('useradd', ['-m', '-s', '/bin/sh', SSHD_TEST_USER]);
    } catch (err) {
      // Another test file may have created it at the same moment.
      await run('id', ['-u', SSHD_TEST_USER]).catch(() => {
        throw err;
      });
    }
  }
  // A locked account (no password set) is refused by sshd even for key logins when PAM is off.
  const child = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin.end(`${SSHD_TEST_USER}:${SSHD_TEST_PASSWORD}\n`);
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd exited ${code}`))));
  });
  return SSHD_TEST_USER;
}

async function uidGid(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', user])).stdout.trim());
  const gid = Number((await run('id', ['-g', user])).stdout.trim());
  return { uid, gid };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
  return address.port;
}

export async function keygen(
  path: string,
  opts: { type?: string; passphrase?: string; comment?: string } = {},
): Promise<string> {
  await run('ssh-keygen', [
    '-q',
    '-t',
    opts.type ?? 'ed25519',
    '-N',
    opts.passphrase ?? '',
    '-C',
    opts.comment ?? 'runbook-test',
    '-f',
    path,
  ]);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (opts.root && !isRoot()) throw new Error('a root login needs the tests to run as root');
  const user = opts.root ? 'root' : await ensureAccount();
  const { uid, gid } = await uidGid(user);
  if (isRoot()) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = await mkdtemp(join(tmpdir(), 'runbook-sshd-'));
  // sshd reads authorized_keys as the logging-in user, so the directory must be traversable.
  await chmod(dir, 0o755);
  const workDir = join(dir, 'work');
  await mkdir(workDir);
  await chown(workDir, uid, gid);

  const hostKeyPaths: string[] = [];
  const hostPublicKeys: Record<string, string> = {};
  for (const type of opts.hostKeyTypes ?? ['ed25519']) {
    const path = join(dir, `host_${type}_key`);
    const pub = await keygen(path, { type, comment: 'host' });
    hostKeyPaths.push(path);
    hostPublicKeys[type] = pub.split(/\s+/).slice(0, 2).join(' ');
  }
  const hostPublicKey = Object.values(hostPublicKeys)[0]!;
  const keyPath = join(dir, 'id_ed25519');
  const clientPub = await keygen(keyPath);
  const authorizedKeys = join(dir, 'authorized_keys');
  const extraKey = opts.authorizedKey ? `${opts.authorizedKey}\n` : '';
  await writeFile(authorizedKeys, `${clientPub}\n${extraKey}`, { mode: 0o644 });
  await chmod(authorizedKeys, 0o644);

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      ...hostKeyPaths.map((path) => `HostKey ${path}`),
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'StrictModes no',
      'UsePAM no',
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${opts.passwordAuth ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `PermitRootLogin ${opts.root ? 'prohibit-password' : 'no'}`,
      `AllowUsers ${user}`,
      'Subsystem sftp internal-sftp',
      'MaxStartups 100',
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n');
    const configPath = join(dir, 'sshd_config');
    await writeFile(configPath, config);

    const argv = [...(opts.launcher ?? []), SSHD_BINARY, '-D', '-e', '-f', configPath];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    const started = await waitListening(child);
    let log = started.log;
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
    });
    if (started.ok) {
      const knownHostsPath = join(dir, 'known_hosts');
      await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
      return {
        host: '127.0.0.1',
        port,
        user,
        keyPath,
        knownHostsPath,
        hostPublicKey,
        hostPublicKeys,
        dir,
        workDir,
        authorizedKeysPath: authorizedKeys,
        pid: child.pid!,
        connectionPids: () => descendants(child.pid!),
        log: () => log,
        stop: async () => {
          await stopProcessTree(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopProcessTree(child);
    // Someone else took the port between our probe and sshd's bind: try another, a few times.
    if (!started.bindFailure || attempt >= 4) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start: ${started.log.trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
}

function waitListening(child: ChildProcess): Promise<{ ok: boolean; bindFailure: boolean; log: string }> {
  return new Promise((resolve) => {
    let log = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      // Keep draining so a chatty sshd never blocks on a full pipe.
      child.stderr?.resume();
      resolve({ ok, bindFailure: /bind|Address already in use/i.test(log), log });
    };
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (/Server listening on/.test(log)) done(true);
    };
    const onExit = (): void => done(false);
    const timer = setTimeout(() => done(false), 20_000);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Pids of every live process below `root`, found through /proc (sshd forks a process per connection). */
export async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // The command name may contain spaces and parentheses; the fields after its closing ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(name));
      parents.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export async function stopProcessTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const below = await descendants(child.pid);
  for (const pid of below) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
