import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REMOTE_FILE_BYTES } from '../../src/transport/output.js';
import { RemoteFileError } from '../../src/transport/sftp-files.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { startSshd, type Sshd } from '../support/sshd.js';

/** A template's `dest` is read to compare it: never without bound, whatever the file really is. */

let sshd: Sshd;
const transport = new SshTransport({ agentSocket: '', env: {} });

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe('reading a remote file', () => {
  it('stops past the cap: /dev/zero and a file one byte over fail with one line; the cap itself is read', async () => {
    const conn = {
      transport: 'ssh',
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      keyFile: sshd.keyPath,
    } as const;
    const session = await transport.connect(
      { ...conn, knownHosts: sshd.knownHostsPath, hostKeyChecking: 'strict' },
      { timeoutMs: 10_000 },
    );
    try {
      const zero = await session.readFile('/dev/zero').then(
        () => null,
        (e: unknown) => e,
      );
      expect(zero).toBeInstanceOf(RemoteFileError);
      expect((zero as Error).message).toBe(
        `127.0.0.1:${sshd.port}: /dev/zero is larger than ${MAX_REMOTE_FILE_BYTES} bytes; ` +
          'runbook does not read or replace a file that large',
      );
      const atCap = join(sshd.workDir, 'at-cap.bin');
      const over = join(sshd.workDir, 'over-cap.bin');
      const n = MAX_REMOTE_FILE_BYTES;
      await session.exec(`head -c ${n} /dev/zero > ${atCap} && head -c ${n + 1} /dev/zero > ${over}`);
      expect((await session.readFile(atCap))?.length).toBe(MAX_REMOTE_FILE_BYTES);
      await expect(session.readFile(over)).rejects.toBeInstanceOf(RemoteFileError);
      // The session survives the refused reads.
      expect((await session.exec('echo fine')).stdout).toBe('fine\n');
    } finally {
      await session.close();
    }
  });
});
