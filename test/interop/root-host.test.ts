import { readdir, readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SshTransport } from '../../src/transport/ssh.js';
import type { Session } from '../../src/transport/transport.js';
import { ROOT_HOST_PACKAGE_DIR, startRootHost, type RootHost } from '../support/root-host.js';

const transport = new SshTransport({ agentSocket: '', env: {} });

async function login(host: RootHost): Promise<Session> {
  return transport.connect(
    {
      host: host.host,
      port: host.port,
      user: host.user,
      keyFile: host.keyPath,
      knownHosts: host.knownHostsPath,
      hostKeyChecking: 'strict',
      transport: 'ssh',
    },
    { timeoutMs: 20_000 },
  );
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A killed process whose parent has not reaped it yet is a zombie: it no longer runs. */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('root host', () => {
  it('logs in as root and keeps system changes inside its namespace', async () => {
    const host = await startRootHost();
    try {
      const session = await login(host);
      try {
        expect((await session.exec('id -u')).stdout.trim()).toBe('0');
        // dpkg's database is a copy of the real one: a package this machine has is known there.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
        const dpkg = await session.exec("dpkg-query -W -f='${Status}' openssh-server");
        expect(dpkg.stdout).toBe('install ok installed');
        // apt starts with no source at all.
        expect((await session.exec('ls -A /etc/apt/sources.list.d')).stdout).toBe('');
        const write = await session.exec(
          `echo private > ${ROOT_HOST_PACKAGE_DIR}/marker && echo X=1 > /etc/default/runbook-root-host && ` +
            'touch /etc/init.d/runbook-root-host /var/lib/dpkg/runbook-root-host /run/runbook-root-host ' +
            '/root/runbook-root-host',
        );
        expect(write.rc).toBe(0);
        expect((await host.exec(['cat', `${ROOT_HOST_PACKAGE_DIR}/marker`])).stdout).toBe('private\n');
      } finally {
        await session.close();
      }
      for (const path of [
        `${ROOT_HOST_PACKAGE_DIR}/marker`,
        '/etc/default/runbook-root-host',
        '/etc/init.d/runbook-root-host',
        '/var/lib/dpkg/runbook-root-host',
        '/run/runbook-root-host',
        '/root/runbook-root-host',
      ]) {
        expect(await exists(path), path).toBe(false);
      }
      expect((await readdir('/etc/apt/sources.list.d')).length).toBeGreaterThan(0);
    } finally {
      await host.stop();
    }
  });

  it('stop() ends a daemon started through it, leaving no process in its namespace', async () => {
    const host = await startRootHost();
    let daemon = 0;
    try {
      const session = await login(host);
      try {
        // setsid and a double fork: the daemon leaves sshd's process tree, as a real service does.
        const started = await session.exec("sh -c 'setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!'");
        daemon = Number(started.stdout.trim());
      } finally {
        await session.close();
      }
      expect(daemon).toBeGreaterThan(0);
      expect(await readFile(`/proc/${daemon}/cmdline`, 'utf8')).toContain('sleep');
      expect(await running(daemon)).toBe(true);
    } finally {
      await host.stop();
    }
    expect(await running(daemon)).toBe(false);
    expect(await running(host.pid)).toBe(false);
  });
});
