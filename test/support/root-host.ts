/**
 * A real OpenSSH sshd that accepts root (key auth) and runs in its own mount namespace, so that tests can
 * install packages, write init scripts and change service state on "a host" without touching this machine.
 *
 * Private to the server and every process it starts (gone when it stops):
 * - copies of /var/lib/dpkg (dpkg knows what is really installed), /etc/apt (with every source removed, so
 *   apt sees only the repositories a test adds), /etc/init.d, /etc/rc?.d, /etc/default, /var/cache/debconf,
 *   and /etc/dnf when dnf is installed;
 * - empty tmpfs over /var/lib/apt, /var/cache/apt, /var/log (dpkg, apt and dnf logs), /run, /srv, /root (root's
 *   home, where Debian's rpm keeps its database, ~/.rpmdb) and, when they exist, /var/lib/dnf, /var/cache/dnf
 *   and /var/lib/rpm. /srv is where test packages install their files: it starts empty.
 *
 * NOT private: everything else, /usr, /etc (outside the paths above), /tmp, /home, users and groups,
 * the network and the process table. A package whose files live outside /srv would really be installed on
 * this machine's disk; removing a package the machine really has would delete its files. Tests therefore
 * build their own packages, with files under /srv only, and touch no other package. Extended states (which
 * packages apt installed automatically) start empty, so `autoremove` sees every real package as manual.
 * A daemon a test starts is in the namespace and is killed by stop().
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSshd, type Sshd, type SshdOptions } from './sshd.js';

const run = promisify(execFile);

/** Where test packages put their files on the root host (a private tmpfs). */
export const ROOT_HOST_PACKAGE_DIR = '/srv';

/** Directories copied into the namespace, so their real content is there and changes stay private. */
const COPIED = ['/var/lib/dpkg', '/etc/apt', '/etc/init.d', '/etc/default', '/var/cache/debconf', '/etc/dnf'];
/** Directories replaced by an empty tmpfs (plus the skeleton apt and sshd expect). */
const EMPTIED = [
  '/var/lib/apt',
  '/var/cache/apt',
  '/var/log',
  '/run',
  ROOT_HOST_PACKAGE_DIR,
  '/root',
  '/var/lib/dnf',
  '/var/cache/dnf',
  '/var/lib/rpm',
];

/*
 * Runs as `sh -c SCRIPT sh STAGE sshd-argv…` inside the new namespace: it builds the private views, then
 * execs sshd so the spawned pid is sshd's own. STAGE is a directory that holds the copies on a tmpfs of
 * the namespace, so nothing is written to this machine's disk.
 */
const SETUP = `set -eu
stage=$1; shift
mount -t tmpfs -o mode=0700 runbook-root-host "$stage"
copy() { name=$(echo "$1" | tr / _); cp -a "$1" "$stage/$name"; mount --bind "$stage/$name" "$1"; }
for dir in ${COPIED.join(' ')} /etc/rc?.d; do if [ -d "$dir" ]; then copy "$dir"; fi; done
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
for dir in ${EMPTIED.join(' ')}; do
  if [ -d "$dir" ]; then mount -t tmpfs -o mode=0755 runbook-root-host "$dir"; fi
done
chmod 0700 /root
mkdir -p /var/lib/apt/lists/partial /var/cache/apt/archives/partial /var/log/apt /run/lock
mkdir -m 0755 /run/sshd
exec "$@"
`;

export interface RootHost extends Sshd {
  /** Runs a command inside the host's namespace (as root, not over SSH): for a test's own checks. */
  exec(argv: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
}

export async function startRootHost(opts: Omit<SshdOptions, 'root' | 'launcher'> = {}): Promise<RootHost> {
  const stage = await mkdtemp(join(tmpdir(), 'runbook-root-host-'));
  let sshd: Sshd;
  try {
    sshd = await startSshd({
      ...opts,
      root: true,
      launcher: ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', SETUP, 'sh', stage],
    });
  } catch (err) {
    await rm(stage, { recursive: true, force: true });
    throw err;
  }
  const namespace = await readlink(`/proc/${sshd.pid}/ns/mnt`);
  return {
    ...sshd,
    exec: async (argv) => {
      try {
        const { stdout, stderr } = await run('nsenter', ['--target', String(sshd.pid), '--mount', '--', ...argv], {
          maxBuffer: 64 * 1024 * 1024,
        });
        return { stdout, stderr, code: 0 };
      } catch (err) {
        const failed = err as { stdout?: string; stderr?: string; code?: number | string };
        if (typeof failed.code !== 'number') throw err;
        return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code };
      }
    },
    stop: async () => {
      // A daemon started through the server has left sshd's process tree but not its namespace.
      await killNamespace(namespace, sshd.pid);
      await sshd.stop();
      await killNamespace(namespace, sshd.pid);
      await rm(stage, { recursive: true, force: true });
    },
  };
}

/**
 * SIGKILLs every process in the mount namespace `namespace` except `keep`, until none is left. A killed process
 * can take a while to end on a busy machine (one inside disk I/O ends only after it), so the bound is a time.
 */
async function killNamespace(namespace: string, keep: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const members = (await namespaceMembers(namespace)).filter((pid) => pid !== keep);
    if (members.length === 0) return;
    for (const pid of members) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`processes of the root host's namespace survive SIGKILL`);
}

async function namespaceMembers(namespace: string): Promise<number[]> {
  const members: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if ((await readlink(`/proc/${name}/ns/mnt`)) === namespace) members.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}
