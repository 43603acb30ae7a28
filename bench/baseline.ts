import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';

/**
 * The yardstick for the throughput figure: the least a program can do to run the same commands on the same
 * hosts with ssh2 — one connection per host, commands one after another on it, a fixed number of hosts in
 * flight, and strict host-key checking against the same known_hosts. No events, no retries, no reports: what
 * runbook spends beyond this is its overhead.
 */
export interface BareTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  keyFile: string;
  knownHosts: string;
}

export interface BareResult {
  wallMs: number;
  ok: number;
  failed: number;
  /** The first few failures, so a broken baseline is never mistaken for a fast one. */
  errors: string[];
}

/**
 * known_hosts as `[host]:port` (or bare host for port 22) → accepted key blobs. Hashed entries are not used by the lab.
 */
export function readKnownHosts(file: string): Map<string, Buffer[]> {
  const keys = new Map<string, Buffer[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [hosts, , blob] = trimmed.split(/\s+/);
    if (!hosts || !blob) continue;
    const key = Buffer.from(blob, 'base64');
    for (const host of hosts.split(',')) {
      const list = keys.get(host) ?? [];
      list.push(key);
      keys.set(host, list);
    }
  }
  return keys;
}

function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function exec(client: Client, command: string): Promise<{ rc: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => (stdout += d));
      stream.stderr.resume();
      stream.on('close', (code: number | null) => resolve({ rc: code, stdout }));
    });
  });
}

async function runHost(
  target: BareTarget,
  commands: string[],
  known: Map<string, Buffer[]>,
  privateKey: Buffer,
  connectTimeoutMs: number,
): Promise<void> {
  const client = new Client();
  const accepted = known.get(knownHostsName(target.host, target.port)) ?? [];
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey,
      readyTimeout: connectTimeoutMs,
      hostVerifier: (key: Buffer) => accepted.some((k) => k.equals(key)),
    });
    // The same socket option runbook's transport sets, so the two sides differ only by the engine.
    client.setNoDelay(true);
  });
  try {
    for (const command of commands) {
      const { rc } = await exec(client, command);
      if (rc !== 0) throw new Error(`${command}: exit ${rc}`);
    }
  } finally {
    client.end();
  }
}

export async function bareLoop(
  targets: BareTarget[],
  commands: string[],
  opts: { concurrency: number; connectTimeoutMs?: number },
): Promise<BareResult> {
  const known = new Map<string, Map<string, Buffer[]>>();
  const keys = new Map<string, Buffer>();
  const started = performance.now();
  let next = 0;
  let ok = 0;
  const errors: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++]!;
      if (!known.has(target.knownHosts)) known.set(target.knownHosts, readKnownHosts(target.knownHosts));
      if (!keys.has(target.keyFile)) keys.set(target.keyFile, readFileSync(target.keyFile));
      try {
        await runHost(
          target,
          commands,
          known.get(target.knownHosts)!,
          keys.get(target.keyFile)!,
          opts.connectTimeoutMs ?? 10_000,
        );
        ok++;
      } catch (err) {
        errors.push(`${target.name}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, targets.length) }, worker));
  return { wallMs: performance.now() - started, ok, failed: errors.length, errors: errors.slice(0, 5) };
}
