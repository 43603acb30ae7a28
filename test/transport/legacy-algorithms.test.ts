import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { resolveConnection } from '../../src/inventory/connection.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { failure } from '../support/transport.js';

/**
 * SHA-1 algorithms are off unless an inventory asks for them: against a real OpenSSH that offers only
 * ssh-rsa host key signatures and hmac-sha1, runbook refuses by default and connects with
 * `ssh_legacy_algorithms: true`.
 */

let old: Sshd;
const transport = new SshTransport({ agentSocket: '', env: {} });

beforeAll(async () => {
  old = await startSshd({
    hostKeyTypes: ['rsa'],
    extraConfig: [
      'HostKeyAlgorithms ssh-rsa',
      'PubkeyAcceptedAlgorithms +ssh-rsa',
      'Ciphers aes128-ctr',
      'MACs hmac-sha1',
    ],
  });
});
afterAll(async () => {
  await old?.stop();
});

function target(extra: Partial<Connection> = {}): Connection {
  return {
    transport: 'ssh',
    host: old.host,
    port: old.port,
    user: old.user,
    keyFile: old.keyPath,
    knownHosts: old.knownHostsPath,
    hostKeyChecking: 'strict',
    ...extra,
  };
}

describe('legacy SSH algorithms', () => {
  it('are not offered by default, so a device that has nothing else is refused', async () => {
    const err = await failure(transport.connect(target(), { timeoutMs: 10_000 }));
    expect(err.message).toMatch(/no matching|handshake|algorithm/i);
  });

  it('are offered with ssh_legacy_algorithms: true, and the session works', async () => {
    const vars = {
      host: old.host,
      port: old.port,
      user: old.user,
      key_file: old.keyPath,
      known_hosts: old.knownHostsPath,
    };
    const resolved = resolveConnection('old', { ...vars, ssh_legacy_algorithms: true }, { baseDir: '/' });
    expect(resolved.problems).toEqual([]);
    expect(resolved.connection.legacyAlgorithms).toBe(true);
    const session = await transport.connect(resolved.connection, { timeoutMs: 10_000 });
    try {
      expect((await session.exec('echo ok')).stdout).toBe('ok\n');
    } finally {
      await session.close();
    }
  });

  it('must be true or false', () => {
    const r = resolveConnection('old', { host: 'h', ssh_legacy_algorithms: 'yes please' }, { baseDir: '/' });
    expect(r.problems).toEqual(['connection variable "ssh_legacy_algorithms" must be true or false, not "yes please"']);
  });
});
