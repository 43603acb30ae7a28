import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { isTransportName, TransportRouter, TRANSPORTS } from '../../src/transport/registry.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { TransportError } from '../../src/transport/transport.js';

const target = (transport: string): Connection => ({
  transport,
  host: '127.0.0.1',
  port: 1,
  user: 'netops',
  knownHosts: '/dev/null',
  hostKeyChecking: 'off',
});

describe('transport registry', () => {
  it('names ssh, and nothing inherited from Object', () => {
    expect(isTransportName('ssh')).toBe(true);
    expect(isTransportName('toString')).toBe(false);
  });

  it('makes each transport when first used', async () => {
    expect(await TRANSPORTS.ssh!.create({ env: {} })).toBeInstanceOf(SshTransport);
  });

  it('refuses a connection that names no transport, as a classified failure', async () => {
    const router = new TransportRouter({ env: {} });
    const err = await router.connect(target('telnet'), { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toBe('127.0.0.1: no transport named "telnet"');
  });
});
