import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import ssh2, { type ClientChannel, type SFTPWrapper } from 'ssh2';
import type { Connection } from '../engine/plan.js';
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
import { TransportError, type ConnectOptions, type ExecResult, type Session, type Transport } from './transport.js';
import { CappedOutput, MAX_OUTPUT_BYTES, MAX_REMOTE_FILE_BYTES } from './output.js';

/** SFTP reads are asked for in pieces this large; ssh2 splits them further to the server's limit. */
const READ_CHUNK_BYTES = 256 * 1024;

export interface SshTransportOptions {
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** SSH agent socket; defaults to `SSH_AUTH_SOCK` from `env`. */
  agentSocket?: string;
  /** Where `password_env` and `passphrase_env` are looked up; defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

/** A remote file operation that failed for a reason other than the link (permissions, missing directory…). */
export class RemoteFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteFileError';
  }
}

/** How long a channel we asked to close may take before we give up on the whole connection. */
const CHANNEL_CLOSE_GRACE_MS = 2_000;
/** How long a polite disconnect may take before the socket is destroyed. */
const DISCONNECT_GRACE_MS = 2_000;

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

const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

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

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** A channel we may have to close early: exec streams get a KILL first, SFTP just ends. */
interface OpenChannel {
  stop(): void;
  closed: Promise<void>;
  isClosed(): boolean;
}

interface OperationContext {
  /** Registers the channel so a timeout or abort can close it. */
  opened(channel: OpenChannel): void;
}

class SshSession implements Session {
  private queue: Promise<unknown> = Promise.resolve();
  /** Why the connection can no longer be used; set once. */
  private broken: TransportError | undefined;
  private readonly onLost = new Set<(err: TransportError) => void>();
  private closing: Promise<void> | undefined;
  private readonly closedEvent: Promise<void>;

  constructor(
    private readonly client: InstanceType<typeof ssh2.Client>,
    private readonly where: string,
  ) {
    this.closedEvent = new Promise((resolve) => client.once('close', () => resolve()));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (err.message === 'Keepalive timeout') {
        this.lose(new TransportError('dropped', `${where}: the host stopped answering keepalives; connection considered dead`));
      } else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        this.lose(new TransportError('dropped', `${where}: connection reset by the host`));
      } else {
        this.lose(new TransportError('dropped', `${where}: connection failed: ${oneLine(err.message)}`));
      }
    });
    // Checked before building the error: a session we closed ourselves is already marked, and errors are not free.
    client.on('close', () => this.broken ?? this.lose(new TransportError('dropped', `${where}: connection closed by the host`)));
  }

  private lose(err: TransportError): void {
    if (this.broken) return;
    this.broken = err;
    for (const notify of [...this.onLost]) notify(err);
    this.onLost.clear();
  }

  /** Channels are opened one at a time: many devices allow a single session channel per connection. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.broken) throw this.broken;
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs one channel operation with its timeout, abort signal and link-loss handling. On timeout or abort
   * the channel is closed; if it will not close, the whole connection is ended so nothing is left running
   * behind a session the caller believes is idle.
   */
  private guarded<T>(
    what: string,
    opts: { timeoutMs?: number; signal?: AbortSignal },
    body: (ctx: OperationContext) => Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let abandoning = false;
      let channel: OpenChannel | undefined;
      let timer: NodeJS.Timeout | undefined;

      const settle = (err: Error | undefined, value?: T): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.onLost.delete(onLost);
        if (err) reject(err);
        else resolve(value as T);
      };
      const onLost = (err: TransportError): void => {
        if (!abandoning) settle(new TransportError(err.reason, `${err.message} (during ${what})`));
      };
      const abandon = async (err: Error): Promise<void> => {
        if (settled || abandoning) return;
        abandoning = true;
        let closed = false;
        if (channel) {
          channel.stop();
          closed = await Promise.race([channel.closed.then(() => true), delay(CHANNEL_CLOSE_GRACE_MS).then(() => false)]);
        }
        if (!closed) {
          await this.end(new TransportError('dropped', `${this.where}: connection ended because a ${what} would not stop`), true);
        }
        settle(err);
      };
      const onAbort = (): void => void abandon(abortReason(opts.signal));

      if (opts.signal?.aborted) return settle(abortReason(opts.signal));
      this.onLost.add(onLost);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
        const ms = opts.timeoutMs;
        timer = setTimeout(() => void abandon(new TransportError('timeout', `${this.where}: ${what} timed out after ${ms} ms`)), ms);
      }
      body({
        opened: (c) => {
          channel = c;
          // The channel arrived after we gave up on it: it must not linger.
          if (abandoning || settled) c.stop();
        },
      }).then(
        (value) => {
          if (!abandoning) settle(undefined, value);
        },
        (err: Error) => {
          if (!abandoning) settle(this.broken && !(err instanceof TransportError) ? this.broken : err);
        },
      );
    });
  }

  exec(command: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    return this.enqueue(() =>
      this.guarded('command', opts, (ctx) =>
        new Promise<ExecResult>((resolve, reject) => {
          this.openChannel<ClientChannel>(reject, (cb) => this.client.exec(command, cb), (err, stream) => {
            if (err) return reject(this.broken ?? new TransportError('dropped', `${this.where}: cannot start a command: ${oneLine(err.message)}`));
            // An unhandled channel error would take the whole process down; the link-loss path reports it.
            stream.on('error', () => undefined);
            ctx.opened(execChannel(stream));
            const stdout = new CappedOutput(MAX_OUTPUT_BYTES);
            const stderr = new CappedOutput(MAX_OUTPUT_BYTES);
            let rc: number | null = null;
            let signal: string | undefined;
            stream.on('data', (chunk: Buffer) => stdout.push(chunk));
            stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
            stream.on('exit', (code: number | null, sig?: string) => {
              rc = typeof code === 'number' ? code : null;
              if (sig) signal = sig;
            });
            stream.on('close', () => {
              if (this.broken && rc === null && signal === undefined) return reject(this.broken);
              resolve({
                rc,
                stdout: stdout.text(),
                stderr: stderr.text(),
                ...(signal !== undefined ? { signal } : {}),
              });
            });
          });
        }),
      ),
    );
  }

  readFile(path: string, opts: { timeoutMs?: number } = {}): Promise<Buffer | null> {
    return this.enqueue(() =>
      this.guarded('file read', opts, async (ctx) => {
        const sftp = await this.openSftp(ctx);
        try {
          return await this.readCapped(sftp, path, MAX_REMOTE_FILE_BYTES);
        } finally {
          sftp.end();
        }
      }),
    );
  }

  writeFile(path: string, data: Buffer | string, opts: { mode?: string; timeoutMs?: number } = {}): Promise<void> {
    const mode = opts.mode !== undefined ? parseMode(opts.mode) : undefined;
    const temp = posix.join(posix.dirname(path), `.${posix.basename(path)}.runbook-${randomBytes(6).toString('hex')}.tmp`);
    return this.enqueue(() =>
      this.guarded('file write', opts, async (ctx) => {
        const sftp = await this.openSftp(ctx);
        const call = <R>(what: string, target: string, fn: (cb: (err: Error | null | undefined, result?: R) => void) => void): Promise<R> =>
          new Promise<R>((resolve, reject) =>
            fn((err, result) => (err ? reject(this.fileError(what, target, err)) : resolve(result as R))),
          );
        try {
          // Without an explicit mode the file keeps the permissions it already had, as an editor would.
          let finalMode = mode;
          if (finalMode === undefined) {
            finalMode = await new Promise<number | undefined>((resolve, reject) =>
              sftp.stat(path, (err, attrs) => {
                if (!err) return resolve(attrs.mode & 0o7777);
                if (sftpCode(err) === SFTP_NO_SUCH_FILE) return resolve(undefined);
                reject(this.fileError('write', path, err));
              }),
            );
          }
          try {
            await call<void>('write', temp, (cb) => sftp.writeFile(temp, data, finalMode !== undefined ? { mode: finalMode } : {}, cb));
            // The server's umask applies when the file is created; chmod afterwards makes the mode exact.
            if (finalMode !== undefined) await call<void>('chmod', temp, (cb) => sftp.chmod(temp, finalMode, cb));
            await this.renameOver(sftp, temp, path);
          } catch (err) {
            await new Promise<void>((resolve) => sftp.unlink(temp, () => resolve()));
            throw err;
          }
        } finally {
          sftp.end();
        }
      }),
    );
  }

  stat(path: string, opts: { timeoutMs?: number } = {}): Promise<{ mode: number; size: number } | null> {
    return this.enqueue(() =>
      this.guarded('file stat', opts, async (ctx) => {
        const sftp = await this.openSftp(ctx);
        try {
          return await new Promise<{ mode: number; size: number } | null>((resolve, reject) =>
            sftp.stat(path, (err, attrs) => {
              if (!err) return resolve({ mode: attrs.mode & 0o7777, size: attrs.size });
              if (sftpCode(err) === SFTP_NO_SUCH_FILE) return resolve(null);
              reject(this.fileError('stat', path, err));
            }),
          );
        } finally {
          sftp.end();
        }
      }),
    );
  }

  chmod(path: string, mode: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    // Parsed before anything is queued: a bad mode is the caller's error, not the link's.
    let bits: number;
    try {
      bits = parseMode(mode);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.enqueue(() =>
      this.guarded('file chmod', opts, async (ctx) => {
        const sftp = await this.openSftp(ctx);
        try {
          await new Promise<void>((resolve, reject) =>
            sftp.chmod(path, bits, (err) => (err ? reject(this.fileError('chmod', path, err)) : resolve())),
          );
        } finally {
          sftp.end();
        }
      }),
    );
  }

  private async renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    const posixRename = await new Promise<Error | null | 'unsupported'>((resolve) => {
      try {
        sftp.ext_openssh_rename(from, to, (err) => resolve(err ?? null));
      } catch {
        resolve('unsupported');
      }
    });
    if (posixRename === null) return;
    if (posixRename !== 'unsupported') throw this.fileError('rename', to, posixRename);
    // Plain SFTP rename refuses to replace an existing file, so the target goes first (briefly absent).
    await new Promise<void>((resolve, reject) =>
      sftp.unlink(to, (err) => (err && sftpCode(err) !== SFTP_NO_SUCH_FILE ? reject(this.fileError('replace', to, err)) : resolve())),
    );
    await new Promise<void>((resolve, reject) => sftp.rename(from, to, (err) => (err ? reject(this.fileError('rename', to, err)) : resolve())));
  }

  private openSftp(ctx: OperationContext): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      this.openChannel<SFTPWrapper>(reject, (cb) => this.client.sftp(cb), (err, sftp) => {
        if (err) {
          if (this.broken) return reject(this.broken);
          return reject(new RemoteFileError(`${this.where}: SFTP is not available (${oneLine(err.message)})`));
        }
        sftp.on('error', () => undefined);
        ctx.opened(sftpChannel(sftp));
        resolve(sftp);
      });
    });
  }

  /**
   * Reads a remote file in chunks and stops past `limit` bytes: a `dest` that is a device (`/dev/zero`) or a
   * huge log must not grow the process without bound. Its size cannot be trusted beforehand (a device
   * reports 0), so the count is what is actually read.
   */
  private readCapped(sftp: SFTPWrapper, path: string, limit: number): Promise<Buffer | null> {
    return new Promise<Buffer | null>((resolve, reject) => {
      sftp.open(path, 'r', (openErr, handle) => {
        if (openErr) {
          if (sftpCode(openErr) === SFTP_NO_SUCH_FILE) return resolve(null);
          return reject(this.fileError('read', path, openErr));
        }
        const chunks: Buffer[] = [];
        let total = 0;
        const finish = (err: Error | null, data?: Buffer) =>
          sftp.close(handle, () => (err ? reject(err) : resolve(data ?? null)));
        const next = (): void => {
          // One byte past the limit tells "exactly the limit" from "more".
          const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit + 1 - total));
          sftp.read(handle, buf, 0, buf.length, total, (err, bytesRead) => {
            if (err) return finish(this.fileError('read', path, err));
            if (bytesRead === 0) return finish(null, Buffer.concat(chunks, total));
            chunks.push(buf.subarray(0, bytesRead));
            total += bytesRead;
            if (total > limit) {
              const why = `${path} is larger than ${limit} bytes; runbook does not read or replace a file that large`;
              return finish(new RemoteFileError(`${this.where}: ${why}`));
            }
            next();
          });
        };
        next();
      });
    });
  }

  /** ssh2 throws instead of calling back when the socket closed a moment ago and we have not heard yet. */
  private openChannel<C>(
    reject: (err: Error) => void,
    open: (cb: (err: Error | undefined, channel: C) => void) => void,
    then: (err: Error | undefined, channel: C) => void,
  ): void {
    try {
      open(then);
    } catch {
      reject(this.broken ?? new TransportError('dropped', `${this.where}: connection closed`));
    }
  }

  private fileError(what: string, path: string, err: Error): Error {
    if (this.broken) return this.broken;
    const code = sftpCode(err);
    const why = code === SFTP_NO_SUCH_FILE ? 'no such file or directory' : code === SFTP_PERMISSION_DENIED ? 'permission denied' : oneLine(err.message);
    return new RemoteFileError(`${this.where}: cannot ${what} ${path}: ${why}`);
  }

  /** Ends the connection: politely unless `force` (a wedged peer would never answer the goodbye). */
  private async end(reason: TransportError, force = false): Promise<void> {
    this.lose(reason);
    if (force) this.destroySocket();
    this.closing ??= (async () => {
      this.client.end();
      const closed = await Promise.race([this.closedEvent.then(() => true), delay(DISCONNECT_GRACE_MS).then(() => false)]);
      if (!closed) this.destroySocket();
    })();
    await this.closing;
  }

  private destroySocket(): void {
    // ssh2's destroy() does nothing once end() has half-closed the socket, which is exactly when a peer
    // that stopped answering leaves us waiting; the socket itself can always be destroyed.
    const socket = (this.client as unknown as { _sock?: { destroy(): void } })._sock;
    if (socket) socket.destroy();
    else this.client.destroy();
  }

  close(): Promise<void> {
    return this.end(new TransportError('dropped', `${this.where}: session already closed`));
  }
}

function execChannel(stream: ClientChannel): OpenChannel {
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    stream.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  return {
    stop: () => {
      if (isClosed) return;
      // OpenSSH (7.9+) delivers the signal to the command; servers that ignore it still see the close.
      try {
        stream.signal('KILL');
      } catch {
        // Signals are optional in the protocol.
      }
      stream.close();
    },
    closed,
    isClosed: () => isClosed,
  };
}

function sftpChannel(sftp: SFTPWrapper): OpenChannel {
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    sftp.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  return {
    stop: () => {
      if (!isClosed) sftp.end();
    },
    closed,
    isClosed: () => isClosed,
  };
}

function sftpCode(err: Error): number | undefined {
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function parseMode(mode: string): number {
  if (!/^0?[0-7]{3,4}$/.test(mode)) throw new RemoteFileError(`invalid file mode "${mode}" (expected an octal string such as "0644")`);
  return parseInt(mode, 8);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
