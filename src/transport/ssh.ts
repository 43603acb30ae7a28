import ssh2 from 'ssh2';
import type { Connection } from '../inventory/connection.js';
import { credentialsFor, type ParsedKeyFile } from './auth.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  keyTypeOf,
  knownKeyTypes,
  KnownHostsIndex,
  loadKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';
import { abortReason, oneLine } from './ssh-channel.js';
import { SshSession } from './ssh-session.js';
import { TransportError, type ConnectOptions, type Session, type Transport } from './transport.js';

export interface SshTransportOptions {
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** SSH agent socket; defaults to `SSH_AUTH_SOCK` from `env`. */
  agentSocket?: string;
  /** Where `password_env` and `passphrase_env` are looked up; defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

/** ssh2's host-key algorithms in its default preference order (what the server may be asked for). */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

/** known_hosts key types name the key; RSA keys are offered under three signature algorithms. */
function algorithmsForKeyType(type: string): HostKeyAlgorithm[] {
  if (type === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return HOST_KEY_ALGORITHMS.filter((a) => a === type);
}

// Once per process, as the user asked for it once: repeating it per host would bury the run's output.
let warnedHostKeyCheckingOff = false;

export class SshTransport implements Transport {
  private readonly keepaliveIntervalMs: number;
  private readonly keepaliveCountMax: number;
  private readonly agentSocket: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly warn: ((message: string) => void) | undefined;
  /** Parsed known_hosts files, reused while the file is unchanged (a fleet shares one file). */
  private readonly knownHostsCache = new Map<string, Promise<KnownHostsIndex>>();
  /** Parsed private keys, so a fleet's connections do not each read and parse the same key file. */
  private readonly keyCache = new Map<string, Promise<ParsedKeyFile>>();

  constructor(opts: SshTransportOptions = {}) {
    this.keepaliveIntervalMs = opts.keepaliveIntervalMs ?? 5_000;
    this.keepaliveCountMax = opts.keepaliveCountMax ?? 3;
    this.agentSocket = opts.agentSocket;
    this.env = opts.env ?? process.env;
    this.warn = opts.warn;
  }

  async connect(target: Connection, opts: ConnectOptions): Promise<Session> {
    const where = `${target.host}:${target.port}`;
    const deadline = Date.now() + opts.timeoutMs;
    throwIfAborted(opts.signal);

    const credentials = await credentialsFor(target, {
      env: this.env,
      keyCache: this.keyCache,
      ...(this.agentSocket !== undefined ? { agentSocket: this.agentSocket } : {}),
    });
    let entries: KnownHostEntry[] = [];
    if (target.hostKeyChecking === 'off') {
      if (!warnedHostKeyCheckingOff) {
        warnedHostKeyCheckingOff = true;
        (opts.warn ?? this.warn)?.('host_key_checking is off: host keys are not verified, so an impostor device would be trusted');
      }
    } else {
      entries = (await this.knownHosts(target.knownHosts, where)).candidates(target.host, target.port);
    }

    const client = new ssh2.Client();
    return new Promise<Session>((resolve, reject) => {
      let settled = false;
      let hostKeyFailure: TransportError | undefined;

      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        client.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(abortReason(opts.signal));
      // ssh2's readyTimeout starts only after DNS and does not cover authentication; this one covers it all.
      const timer = setTimeout(
        () => fail(new TransportError('timeout', `${where}: no SSH session within ${opts.timeoutMs} ms (connect, handshake and authentication)`)),
        Math.max(0, deadline - Date.now()),
      );
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      client.on('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(new SshSession(client, where));
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        fail(hostKeyFailure ?? classifyConnectError(err, target, credentials.names));
      });
      client.on('close', () => {
        fail(hostKeyFailure ?? new TransportError('dropped', `${where}: connection closed before the SSH session was ready`));
      });

      const verifyHostKey = (key: Buffer, verify: (ok: boolean) => void): void => {
        if (target.hostKeyChecking === 'off') return verify(true);
        const verdict = checkHostKey(entries, target.host, target.port, key);
        const presented = `${keyTypeOf(key)} key ${fingerprint(key)}`;
        switch (verdict.status) {
          case 'known':
            return verify(true);
          case 'revoked':
            hostKeyFailure = new TransportError('host_key', `${where}: ${presented} is marked @revoked in ${target.knownHosts} (line ${verdict.line})`);
            return verify(false);
          case 'mismatch':
            hostKeyFailure = new TransportError(
              'host_key',
              `${where}: ${presented} does not match ${target.knownHosts} (line ${verdict.lines.join(', ')}); the device was re-keyed or something is impersonating it`,
            );
            return verify(false);
          case 'unknown':
            if (target.hostKeyChecking === 'strict') {
              hostKeyFailure = new TransportError(
                'host_key',
                `${where}: ${presented} is not in ${target.knownHosts} (host_key_checking is strict; add the host or use accept-new)`,
              );
              return verify(false);
            }
            appendKnownHost(target.knownHosts, target.host, target.port, key).then(
              () => {
                this.knownHostsCache.delete(target.knownHosts);
                verify(true);
              },
              (err: NodeJS.ErrnoException) => {
                hostKeyFailure = new TransportError('host_key', `${where}: cannot record the new host key in ${target.knownHosts} (${err.code ?? err.message})`);
                verify(false);
              },
            );
        }
      };

      const preferred = knownKeyTypes(entries, target.host, target.port).flatMap(algorithmsForKeyType);
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.user,
          authHandler: credentials.methods,
          hostVerifier: verifyHostKey,
          // Ask first for a key type we can check, as OpenSSH does, so a host known by its RSA key is not
          // refused merely because it also has an ed25519 key.
          algorithms: { serverHostKey: [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])] },
          readyTimeout: opts.timeoutMs,
          keepaliveInterval: this.keepaliveIntervalMs,
          keepaliveCountMax: this.keepaliveCountMax,
        });
        // Commands are small request/response exchanges: without TCP_NODELAY, Nagle's algorithm meets the
        // peer's delayed ACK and adds tens of milliseconds to every command.
        client.setNoDelay(true);
      } catch (err) {
        fail(new TransportError('auth', `${where}: ${(err as Error).message}`));
      }
    });
  }

  /**
   * The known_hosts file, read once per transport (one run) and shared by every connection; appending a
   * key under accept-new drops the cached copy. The promise is cached, not its result, so a hundred hosts
   * connecting at once read the file once.
   */
  private async knownHosts(path: string, where: string): Promise<KnownHostsIndex> {
    let index = this.knownHostsCache.get(path);
    if (!index) {
      index = loadKnownHosts(path).then((entries) => new KnownHostsIndex(entries));
      this.knownHostsCache.set(path, index);
      index.catch(() => this.knownHostsCache.delete(path));
    }
    try {
      return await index;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new TransportError('host_key', `${where}: cannot read known_hosts file ${path} (${code ?? (err as Error).message})`);
    }
  }
}

/** Maps what ssh2 and the socket report before the session is ready to the reasons the engine acts on. */
export function classifyConnectError(err: Error & { level?: string; code?: string }, target: Connection, tried: string[]): TransportError {
  const where = `${target.host}:${target.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new TransportError('refused', `${where}: connection refused`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return new TransportError('dns', `${target.host}: host name could not be resolved (${err.code})`);
    case 'ETIMEDOUT':
      return new TransportError('timeout', `${where}: TCP connect timed out`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TransportError('refused', `${where}: no route to host (${err.code})`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new TransportError('dropped', `${where}: connection reset during the SSH handshake`);
  }
  if (err.level === 'client-dns') return new TransportError('dns', `${target.host}: host name could not be resolved`);
  if (err.level === 'client-authentication') {
    return new TransportError('auth', `${where}: authentication failed for ${target.user} (tried ${tried.join(', ')})`);
  }
  if (err.level === 'client-timeout') return new TransportError('timeout', `${where}: SSH handshake timed out`);
  return new TransportError('dropped', `${where}: SSH handshake failed: ${oneLine(err.message)}`);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

