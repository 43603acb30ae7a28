import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { failure } from '../support/transport.js';

/**
 * The transport against the simulated devices' faults: each fault must surface as the reason the engine
 * acts on, within the deadline it was given.
 */

let lab: Lab;
const transport = new SshTransport({ agentSocket: '', env: {} });
/** The budget of the connect whose outcome is the timeout: short, so the test is. */
const CONNECT_TIMEOUT_MS = 1_500;
/**
 * The budget of every other connect: their outcome (a session, refused, auth) must not turn into a timeout
 * because a busy machine took more than a moment over the handshake, client and server sharing one process.
 */
const LOGIN_BUDGET_MS = 30_000;

beforeAll(async () => {
  lab = await startLab({ hosts: 6, sites: 1 });
});
afterAll(async () => {
  await lab?.stop();
});

function connection(index: number): Connection {
  return {
    host: '127.0.0.1',
    port: lab.hosts[index]!.port,
    user: lab.user,
    keyFile: lab.keyPath,
    knownHosts: lab.knownHostsPath,
    hostKeyChecking: 'strict',
    transport: 'ssh',
  };
}

async function underFault(index: number, kind: string): Promise<void> {
  lab.setFault(`${lab.hosts[index]!.name}:${kind}`);
  await lab.settled();
}

describe('transport against lab faults', () => {
  it('reaches a healthy device', async () => {
    const session = await transport.connect(connection(5), { timeoutMs: LOGIN_BUDGET_MS });
    try {
      const result = await session.exec('hostname');
      expect(result.rc).toBe(0);
      expect(result.stdout.trim()).toBe(lab.hosts[5]!.name);
    } finally {
      await session.close();
    }
  });

  it('hang -> timeout, within the connect timeout', async () => {
    await underFault(0, 'hang');
    const started = Date.now();
    const err = await failure(transport.connect(connection(0), { timeoutMs: CONNECT_TIMEOUT_MS }));
    expect(err.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 5_000);
  });

  it('refuse -> refused', async () => {
    await underFault(1, 'refuse');
    expect((await failure(transport.connect(connection(1), { timeoutMs: LOGIN_BUDGET_MS }))).reason).toBe('refused');
  });

  it('auth -> auth', async () => {
    await underFault(2, 'auth');
    expect((await failure(transport.connect(connection(2), { timeoutMs: LOGIN_BUDGET_MS }))).reason).toBe('auth');
  });

  it('drop -> dropped, for the command running and for the session afterwards', async () => {
    const session = await transport.connect(connection(3), { timeoutMs: LOGIN_BUDGET_MS });
    try {
      await underFault(3, 'drop');
      expect((await failure(session.exec('show version'))).reason).toBe('dropped');
      expect((await failure(session.exec('true'))).reason).toBe('dropped');
    } finally {
      await session.close();
    }
  });

  it('stall + task timeout -> timeout, and the session stays usable once the device answers again', async () => {
    const session = await transport.connect(connection(4), { timeoutMs: LOGIN_BUDGET_MS });
    try {
      await underFault(4, 'stall');
      const err = await failure(session.exec('show version', { timeoutMs: 500 }));
      expect(err.reason).toBe('timeout');
      lab.clearFault(lab.hosts[4]!.name);
      await lab.settled();
      expect((await session.exec('hostname')).stdout.trim()).toBe(lab.hosts[4]!.name);
    } finally {
      await session.close();
    }
  });

  it('pushes a file over the device SFTP and reads it back', async () => {
    const session = await transport.connect(connection(5), { timeoutMs: LOGIN_BUDGET_MS });
    try {
      expect(await session.readFile('/etc/runbook-test.conf')).toBeNull();
      await session.writeFile('/etc/runbook-test.conf', 'ntp server 10.0.0.1\n', { mode: '0644' });
      await session.writeFile('/etc/runbook-test.conf', 'ntp server 10.0.0.2\n');
      expect(lab.readFile(lab.hosts[5]!.name, '/etc/runbook-test.conf')?.toString()).toBe('ntp server 10.0.0.2\n');
      expect((await session.readFile('/etc/runbook-test.conf'))?.toString()).toBe('ntp server 10.0.0.2\n');
    } finally {
      await session.close();
    }
  });
});
