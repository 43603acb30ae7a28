import { readFileSync } from 'node:fs';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { Lab } from '../../src/lab/lab.js';

/** A real ssh2 client against a lab device, as the transport would connect. */
export function connect(lab: Lab, host: string, opts: Partial<ConnectConfig> = {}): Promise<Client> {
  const device = lab.hosts.find((h) => h.name === host);
  if (!device) throw new Error(`no ${host} in the lab`);
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('ready', () => resolve(client));
    client.on('error', (e) => {
      client.end();
      reject(e);
    });
    client.connect({
      host: '127.0.0.1',
      port: device.port,
      username: lab.user,
      ...(opts.password === undefined ? { privateKey: readFileSync(lab.keyPath) } : {}),
      readyTimeout: 10_000,
      ...opts,
    });
  });
}

export interface ExecOutcome {
  stdout: string;
  stderr: string;
  /** null when the channel closed without an exit status (connection cut mid-command). */
  rc: number | null;
}

export function exec(client: Client, command: string): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let rc: number | null = null;
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        client.off('close', finish);
        resolve({ stdout, stderr, rc });
      };
      stream.on('data', (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      stream.on('exit', (code: number | null) => (rc = code));
      stream.on('close', finish);
      // A cut connection may close the client without closing the channel first.
      client.on('close', finish);
    });
  });
}

export function sftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
}

/** Settles with the error a connection attempt ends in, or null if it became ready. */
export async function connectError(
  lab: Lab,
  host: string,
  opts: Partial<ConnectConfig> = {},
): Promise<(Error & { code?: string; level?: string }) | null> {
  try {
    const c = await connect(lab, host, opts);
    c.end();
    return null;
  } catch (e) {
    return e as Error & { code?: string; level?: string };
  }
}
