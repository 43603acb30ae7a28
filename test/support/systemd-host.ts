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
import { readFile } from 'node:fs/promises';
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

export async function startSystemdHost(opts: Omit<SshdOptions, 'root' | 'launcher'> = {}): Promise<SystemdHost> {
  const sshd = await startSshd({
    ...opts,
    root: true,
    launcher: [
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
  if (systemdPid === 0) {
    await sshd.stop();
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
  };
}
