/**
 * A real systemd (this machine's /lib/systemd/systemd) running as PID 1 of its own PID, mount and cgroup
 * namespaces, with a real OpenSSH sshd as one of its units accepting root (key auth): so tests can run
 * systemctl against a live service manager without touching this machine's.
 *
 * Private to the namespace (gone when it stops): /run (so systemd's "booted" marker is there), and empty
 * tmpfs over /etc/systemd/system and /usr/lib/systemd/system, which hold only a few empty targets and the
 * sshd unit: systemd starts nothing of this machine's. NOT private: the rest of the file system (a test
 * writes its units under /etc/systemd/system only), users, the network (sshd listens on loopback).
 * stop() SIGKILLs the namespace's PID 1, which ends every process in it.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { descendants, startSshd, type Sshd, type SshdOptions } from './sshd.js';

const run = promisify(execFile);

/** Targets systemd and unit dependencies expect; empty, so nothing else is pulled in. */
const TARGETS = ['default', 'sysinit', 'basic', 'shutdown', 'multi-user', 'sockets', 'timers', 'paths', 'slices'];

/*
 * Runs as `sh -c BOOT sh sshd-argv…`, PID 1 of the new namespaces: builds the private views, writes the
 * sshd unit, copies sshd's log to its stderr (where startSshd waits for "Server listening") and becomes
 * systemd.
 */
const BOOT = `set -eu
# Cgroup file systems mounted again, from inside the cgroup namespace: their root is the host's own cgroup.
mount -t tmpfs -o mode=0755 runbook-systemd /sys/fs/cgroup
mkdir /sys/fs/cgroup/systemd
mount -t cgroup -o none,name=systemd runbook-systemd /sys/fs/cgroup/systemd
for dir in /run /etc/systemd/system /usr/lib/systemd/system; do mount -t tmpfs -o mode=0755 runbook-systemd "$dir"; done
mkdir -m 0755 /run/sshd
units=/usr/lib/systemd/system
for t in ${TARGETS.join(' ')}; do printf '[Unit]\\nDescription=%s\\n' "$t" > "$units/$t.target"; done
echo 'Wants=runbook-sshd.service' >> "$units/default.target"
printf '[Service]\\nExecStart=%s\\nStandardError=append:/run/runbook-sshd.log\\n' "$*" > "$units/runbook-sshd.service"
: > /run/runbook-sshd.log
tail -n +1 -F /run/runbook-sshd.log >&2 &
exec /lib/systemd/systemd --system --log-target=null </dev/null
`;

export interface SystemdHost extends Sshd {
  /** PID of systemd (PID 1 inside the namespace), as this machine sees it. */
  systemdPid: number;
  /** Runs a command inside the namespaces (as root, not over SSH): for a test's own checks. */
  exec(argv: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
}

/**
 * A new cgroup for the host in every hierarchy this process is in. systemd mounts the hierarchies it wants
 * inside its cgroup namespace, whose root is where the namespace was made: these, so everything systemd
 * creates is below them (and removed by stop()) rather than at this machine's roots.
 */
async function ownCgroups(): Promise<string[]> {
  const name = `runbook-systemd-host-${process.pid}-${Date.now()}`;
  const made: string[] = [];
  for (const line of (await readFile('/proc/self/cgroup', 'utf8')).split('\n').filter(Boolean)) {
    const [, controllers = '', path = '/'] = line.split(':');
    const hierarchy = join('/sys/fs/cgroup', controllers === '' ? 'unified' : controllers.replace('name=', ''));
    const dir = join(hierarchy, path, name);
    if (
      await mkdir(dir).then(
        () => true,
        () => false,
      )
    )
      made.push(dir);
  }
  return made;
}

export async function startSystemdHost(opts: Omit<SshdOptions, 'root' | 'launcher'> = {}): Promise<SystemdHost> {
  const cgroups = await ownCgroups();
  const sshd = await startSshd({
    ...opts,
    root: true,
    launcher: [
      '/bin/sh',
      '-c',
      // Into the host's cgroup first, so the namespace's cgroup root is that one and not this machine's.
      `for g in ${cgroups.join(' ')}; do echo $$ > "$g/cgroup.procs"; done; exec "$@"`,
      'sh',
      'unshare',
      '--pid',
      '--fork',
      '--mount-proc',
      '--mount',
      '--cgroup',
      '--propagation',
      'private',
      '--kill-child=SIGKILL',
      '/bin/sh',
      '-c',
      BOOT,
      'sh',
    ],
  });
  let systemdPid = 0;
  for (const pid of await descendants(sshd.pid)) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === 'systemd') systemdPid = pid;
  }
  const stop = async (): Promise<void> => {
    await sshd.stop();
    for (const cgroup of cgroups) await removeCgroup(cgroup);
  };
  if (systemdPid === 0) {
    await stop();
    throw new Error('systemd did not start in its namespace');
  }
  return {
    ...sshd,
    systemdPid,
    exec: async (argv) => {
      try {
        const target = ['--target', String(systemdPid), '--mount', '--pid', '--'];
        const { stdout, stderr } = await run('nsenter', [...target, ...argv], { maxBuffer: 64 * 1024 * 1024 });
        return { stdout, stderr, code: 0 };
      } catch (err) {
        const failed = err as { stdout?: string; stderr?: string; code?: number | string };
        if (typeof failed.code !== 'number') throw err;
        return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code };
      }
    },
    stop,
  };
}

/**
 * Removes a cgroup and the ones systemd made below it, deepest first, once their processes are gone (bounded by
 * a time, as processes can be slow to end on a busy machine).
 */
async function removeCgroup(dir: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    try {
      const { stdout } = await run('find', [dir, '-depth', '-type', 'd']);
      for (const d of stdout.split('\n').filter(Boolean)) await rmdir(d).catch(() => undefined);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`cgroup ${dir} still has processes`);
}
