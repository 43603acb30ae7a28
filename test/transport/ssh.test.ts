import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { credentialsFor } from '../../src/transport/auth.js';
import { classifyConnectError, SshTransport } from '../../src/transport/ssh.js';
import { TransportError } from '../../src/transport/transport.js';

const conn: Connection = {
  host: 'r1.lab',
  port: 2222,
  user: 'netops',
  knownHosts: '/nonexistent/known_hosts',
  hostKeyChecking: 'strict',
  transport: 'ssh',
};

function sshError(
  message: string,
  props: { code?: string; level?: string },
): Error & { code?: string; level?: string } {
  return Object.assign(new Error(message), props);
}

describe('failure classification', () => {
  it.each([
    [{ code: 'ECONNREFUSED', level: 'client-socket' }, 'connect ECONNREFUSED', 'refused'],
    [{ code: 'ENOTFOUND', level: 'client-socket' }, 'getaddrinfo ENOTFOUND r1.lab', 'dns'],
    [{ code: 'EAI_AGAIN', level: 'client-socket' }, 'getaddrinfo EAI_AGAIN r1.lab', 'dns'],
    [{ level: 'client-dns' }, 'lookup failed', 'dns'],
    [{ level: 'client-timeout' }, 'Timed out while waiting for handshake', 'timeout'],
    [{ level: 'client-authentication' }, 'All configured authentication methods failed', 'auth'],
    [{ code: 'ECONNRESET', level: 'client-socket' }, 'read ECONNRESET', 'dropped'],
    [{ level: 'protocol' }, 'Connection lost before handshake', 'dropped'],
  ] as const)('%j %s -> %s', (props, message, reason) => {
    const err = classifyConnectError(sshError(message, props), conn, ['publickey (/k)']);
    expect(err.reason).toBe(reason);
    expect(err.message).not.toContain('\n');
  });

  it('names the user and the methods tried when authentication fails', () => {
    const err = classifyConnectError(
      sshError('All configured authentication methods failed', { level: 'client-authentication' }),
      conn,
      ['publickey (/keys/id)', 'agent'],
    );
    expect(err.message).toBe('r1.lab:2222: authentication failed for netops (tried publickey (/keys/id), agent)');
  });
});

describe('credentials', () => {
  it('fails as auth, before any connection, when the key file cannot be read', async () => {
    const err = await credentialsFor({ ...conn, keyFile: '/nonexistent/id_ed25519' }, { env: {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).reason).toBe('auth');
    expect((err as TransportError).message).toBe('r1.lab:2222: cannot read key file /nonexistent/id_ed25519 (ENOENT)');
  });

  it('fails as auth when password_env names an unset variable', async () => {
    const err = await credentialsFor({ ...conn, passwordEnv: 'R1_PASSWORD' }, { env: {} }).catch((e: unknown) => e);
    expect((err as TransportError).reason).toBe('auth');
    expect((err as TransportError).message).toContain('R1_PASSWORD, which is not set');
  });

  it('fails as auth when there is nothing to authenticate with', async () => {
    const err = await credentialsFor(conn, { env: {}, agentSocket: '' }).catch((e: unknown) => e);
    expect((err as TransportError).reason).toBe('auth');
    expect((err as TransportError).message).toContain('no credentials for netops');
  });

  it('offers the password both as password and keyboard-interactive, never in the method names', async () => {
    const creds = await credentialsFor({ ...conn, passwordEnv: 'R1_PASSWORD' }, { env: { R1_PASSWORD: 's3cret' } });
    expect(creds.methods.map((m) => m.type)).toEqual(['password', 'keyboard-interactive']);
    expect(creds.names.join(' ')).not.toContain('s3cret');
  });

  it('does not start connecting when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('halted'));
    await expect(
      new SshTransport({ env: {} }).connect(conn, { timeoutMs: 1_000, signal: controller.signal }),
    ).rejects.toThrow('halted');
  });
});
