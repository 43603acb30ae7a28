import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
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
import { chainName, JumpPool } from './jump.js';
import { abortReason, oneLine } from './ssh-channel.js';
import { SshSession } from './ssh-session.js';
import { TransportError, type ConnectOptions, type JumpHostStats, type Session, type Transport } from './transport.js';

export interface SshTransportOptions {
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** SSH agent socket; defaults to `SSH_AUTH_SOCK` from `env`. */
  agentSocket?: string;
  /** Where `password_env` and `passphrase_env` are looked up; defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
  /** Device channels per jump connection before another is opened (default 10, OpenSSH's MaxSessions). */
  maxChannelsPerJump?: number;
  /** How long a jump host that failed is left alone before one device probes it (default 30 s). */
  jumpCooldownMs?: number;
}

/** How long past its deadline a device waits for the jump login it shares to fail with its own reason. */
const JUMP_ANSWER_GRACE_MS = 300;

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

/**
 * Algorithms signed or keyed with SHA-1, or CBC ciphers: refused unless a host's inventory sets
 * `ssh_legacy_algorithms: true` for a device that offers nothing newer.
 */
const LEGACY = {
  serverHostKey: ['ssh-rsa'],
  hmac: ['hmac-sha1-etm@openssh.com', 'hmac-sha1'],
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group1-sha1'],
  cipher: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc'],
} as const;
const MODERN_HMAC = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
];
const MODERN_KEX = [
  'curve25519-sha256@libssh.org',
  'curve25519-sha256',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
];
const MODERN_CIPHER = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'chacha20-poly1305@openssh.com',
  'aes256-ctr',
];

/** What the client offers: modern algorithms, then (only when asked) the legacy ones after them. */
function offered(hostKeys: readonly string[], legacy: boolean): ssh2.Algorithms {
  const keep = (list: readonly string[], old: readonly string[]) =>
    legacy ? [...new Set([...list, ...old])] : list.filter((a) => !old.includes(a));
  return {
    serverHostKey: keep([...new Set(hostKeys)], LEGACY.serverHostKey) as ssh2.ServerHostKeyAlgorithm[],
    hmac: keep(MODERN_HMAC, LEGACY.hmac) as ssh2.MacAlgorithm[],
    kex: keep(MODERN_KEX, LEGACY.kex) as ssh2.KexAlgorithm[],
    cipher: keep(MODERN_CIPHER, LEGACY.cipher) as ssh2.CipherAlgorithm[],
  };
}

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
  /** Jump connections shared by the devices behind each jump host. */
  private readonly jumps: JumpPool;

  constructor(opts: SshTransportOptions = {}) {
    this.keepaliveIntervalMs = opts.keepaliveIntervalMs ?? 5_000;
    this.keepaliveCountMax = opts.keepaliveCountMax ?? 3;
    this.agentSocket = opts.agentSocket;
    this.env = opts.env ?? process.env;
    this.warn = opts.warn;
    this.jumps = new JumpPool({
      login: (hop, sock, o) => this.login(hop, o, sock),
      ...(opts.maxChannelsPerJump !== undefined ? { maxChannels: opts.maxChannelsPerJump } : {}),
      ...(opts.jumpCooldownMs !== undefined ? { cooldownMs: opts.jumpCooldownMs } : {}),
    });
  }

  async connect(target: Connection, opts: ConnectOptions): Promise<Session> {
    const where = `${target.host}:${target.port}`;
    const deadline = Date.now() + opts.timeoutMs;
    throwIfAborted(opts.signal);
    if (opts.jumpLoginRate !== undefined) this.jumps.setLoginRate(opts.jumpLoginRate);
    const path = await this.pathTo(target, deadline, opts);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      path?.destroy();
      const why = `${where}: no SSH session within ${opts.timeoutMs} ms (the way there took it all)`;
      throw new TransportError('timeout', why);
    }
    const client = await this.login(target, { ...opts, timeoutMs: remaining }, path);
    return new SshSession(client, where);
  }

  /** Ends what outlives single hosts: the shared jump connections. */
  async close(): Promise<void> {
    this.jumps.close();
  }

  /** Per jump host: devices, logins, failures and breaker timeline, for the report. */
  jumpStats(): JumpHostStats[] {
    return this.jumps.stats();
  }

  /**
   * The stream the device's SSH runs over when it is not a plain TCP connection: a channel through the
   * shared jump connection, or a ProxyCommand's stdin/stdout. Waiting on a jump host counts against the
   * device's connect timeout; running out of it there is the jump host's fault, not the device's.
   */
  private async pathTo(target: Connection, deadline: number, opts: ConnectOptions): Promise<Duplex | undefined> {
    if (target.jump && target.jump.length > 0) {
      const chain = target.jump;
      const device = `${target.host}:${target.port}`;
      const budget = Math.max(1, deadline - Date.now());
      const pending = this.jumps.open(chain, target.host, target.port, device, { timeoutMs: budget });
      const late = (): Error =>
        new TransportError('jump', `jump: ${chainName(chain)}: no way through it within ${budget} ms`);
      // The shared login has the same budget and gives the better answer (refused, auth…): a little grace
      // lets it come first, so every device waiting on it reports the jump host's own failure.
      return raceDeadline(pending, deadline + JUMP_ANSWER_GRACE_MS, opts.signal, late);
    }
    if (target.proxyCommand !== undefined) return proxyCommandStream(target.proxyCommand);
    return undefined;
  }

  /** TCP (or `sock`), handshake, host-key check and authentication: one client ready for channels. */
  private async login(
    target: Connection,
    opts: ConnectOptions,
    sock?: Duplex,
  ): Promise<InstanceType<typeof ssh2.Client>> {
    const where = `${target.host}:${target.port}`;
    throwIfAborted(opts.signal);
    // HostKeyAlias names the key in known_hosts instead of host and port, as in ssh.
    const keyHost = target.hostKeyAlias ?? target.host;
    const keyPort = target.hostKeyAlias !== undefined ? 22 : target.port;

    const credentials = await credentialsFor(target, {
      env: this.env,
      keyCache: this.keyCache,
      ...(this.agentSocket !== undefined ? { agentSocket: this.agentSocket } : {}),
    });
    let entries: KnownHostEntry[] = [];
    if (target.hostKeyChecking === 'off') {
      if (!warnedHostKeyCheckingOff) {
        warnedHostKeyCheckingOff = true;
        (opts.warn ?? this.warn)?.(
          'host_key_checking is off: host keys are not verified, so an impostor device would be trusted',
        );
      }
    } else {
      entries = (await this.knownHosts(target.knownHosts, where)).candidates(keyHost, keyPort);
    }

    if (opts.connectSlot) {
      try {
        await opts.connectSlot();
        throwIfAborted(opts.signal);
      } catch (err) {
        // A channel through a jump host was opened for this login; without the login nothing else closes it.
        sock?.destroy();
        throw err;
      }
    }
    const deadline = Date.now() + opts.timeoutMs;
    const client = new ssh2.Client();
    return new Promise<InstanceType<typeof ssh2.Client>>((resolve, reject) => {
      let settled = false;
      let hostKeyFailure: TransportError | undefined;

      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        client.destroy();
        sock?.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(abortReason(opts.signal));
      // ssh2's readyTimeout starts only after DNS and does not cover authentication; this one covers it all.
      const timer = setTimeout(
        () =>
          fail(
            new TransportError(
              'timeout',
              `${where}: no SSH session within ${opts.timeoutMs} ms (connect, handshake and authentication)`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      client.on('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        fail(hostKeyFailure ?? classifyConnectError(err, target, credentials.names));
      });
      client.on('close', () => {
        fail(
          hostKeyFailure ??
            new TransportError('dropped', `${where}: connection closed before the SSH session was ready`),
        );
      });

      const verifyHostKey = (key: Buffer, verify: (ok: boolean) => void): void => {
        if (target.hostKeyChecking === 'off') return verify(true);
        const verdict = checkHostKey(entries, keyHost, keyPort, key);
        const presented = `${keyTypeOf(key)} key ${fingerprint(key)}`;
        switch (verdict.status) {
          case 'known':
            return verify(true);
          case 'revoked':
            hostKeyFailure = new TransportError(
              'host_key',
              `${where}: ${presented} is marked @revoked in ${target.knownHosts} (line ${verdict.line})`,
            );
            return verify(false);
          case 'mismatch':
            hostKeyFailure = new TransportError(
              'host_key',
              `${where}: ` +
                `${presented} does not match ` +
                `${target.knownHosts} (line ` +
                `${verdict.lines.join(', ')}); the device was re-keyed or something is impersonating it`,
            );
            return verify(false);
          case 'unknown':
            if (target.hostKeyChecking === 'strict') {
              hostKeyFailure = new TransportError(
                'host_key',
                `${where}: ` +
                  `${presented} is not in ` +
                  `${target.knownHosts} (host_key_checking is strict; add the host or use accept-new)`,
              );
              return verify(false);
            }
            appendKnownHost(target.knownHosts, keyHost, keyPort, key).then(
              () => {
                this.knownHostsCache.delete(target.knownHosts);
                verify(true);
              },
              (err: NodeJS.ErrnoException) => {
                hostKeyFailure = new TransportError(
                  'host_key',
                  `${where}: cannot record the new host key in ${target.knownHosts} (${err.code ?? err.message})`,
                );
                verify(false);
              },
            );
        }
      };

      const preferred = knownKeyTypes(entries, keyHost, keyPort).flatMap(algorithmsForKeyType);
      try {
        client.connect({
          ...(sock ? { sock } : { host: target.host, port: target.port }),
          username: target.user,
          authHandler: credentials.methods,
          hostVerifier: verifyHostKey,
          // Ask first for a key type we can check, as OpenSSH does, so a host known by its RSA key is not
          // refused merely because it also has an ed25519 key.
          algorithms: offered([...preferred, ...HOST_KEY_ALGORITHMS], target.legacyAlgorithms === true),
          readyTimeout: opts.timeoutMs,
          keepaliveInterval: target.keepaliveIntervalMs ?? this.keepaliveIntervalMs,
          keepaliveCountMax: target.keepaliveCountMax ?? this.keepaliveCountMax,
        });
        // Commands are small request/response exchanges: without TCP_NODELAY, Nagle's algorithm meets the
        // peer's delayed ACK and adds tens of milliseconds to every command. (A channel or a pipe has no Nagle.)
        if (!sock) client.setNoDelay(true);
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
      throw new TransportError(
        'host_key',
        `${where}: cannot read known_hosts file ${path} (${code ?? (err as Error).message})`,
      );
    }
  }
}

/** Maps what ssh2 and the socket report before the session is ready to the reasons the engine acts on. */
export function classifyConnectError(
  err: Error & { level?: string; code?: string },
  target: Connection,
  tried: string[],
): TransportError {
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

/** `pending`, unless the deadline or the abort signal comes first; a stream that arrives late is destroyed. */
function raceDeadline(
  pending: Promise<Duplex>,
  deadline: number,
  signal: AbortSignal | undefined,
  late: () => Error,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, stream?: Duplex): void => {
      if (done) {
        stream?.destroy();
        return;
      }
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(stream!);
    };
    const onAbort = (): void => finish(abortReason(signal));
    const timer = setTimeout(() => finish(late()), Math.max(0, deadline - Date.now()));
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (stream) => finish(null, stream),
      (err: Error) => finish(err),
    );
  });
}

/**
 * ssh_config ProxyCommand: the command's stdin and stdout carry the SSH stream, as with ssh. It comes only
 * from the operator's own config files (a playbook's is refused when the plan is built).
 */
function proxyCommandStream(command: string): Duplex {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'ignore'] });
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  stream.once('close', stop);
  child.once('exit', () => stream.destroy());
  stream.on('error', () => undefined);
  return stream;
}
