import type { ClientChannel, SFTPWrapper } from 'ssh2';
import type ssh2 from 'ssh2';
import { CappedOutput, MAX_OUTPUT_BYTES } from './output.js';
import { RemoteFileError, SftpFiles, sftpChannel } from './sftp-files.js';
import {
  abortReason,
  delay,
  oneLine,
  type ChannelHost,
  type OpenChannel,
  type OperationContext,
} from './ssh-channel.js';
import { TransportError, type ExecResult, type Session, type ShellStream } from './transport.js';

/** How long a channel we asked to close may take before we give up on the whole connection. */
const CHANNEL_CLOSE_GRACE_MS = 2_000;
/** How long a polite disconnect may take before the socket is destroyed. */
const DISCONNECT_GRACE_MS = 2_000;

export class SshSession implements Session, ChannelHost {
  private queue: Promise<unknown> = Promise.resolve();
  /** Why the connection can no longer be used; set once. */
  private broken: TransportError | undefined;
  private readonly onLost = new Set<(err: TransportError) => void>();
  private closing: Promise<void> | undefined;
  private readonly closedEvent: Promise<void>;
  private readonly files = new SftpFiles(this);

  constructor(
    private readonly client: InstanceType<typeof ssh2.Client>,
    readonly where: string,
  ) {
    this.closedEvent = new Promise((resolve) => client.once('close', () => resolve()));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (err.message === 'Keepalive timeout') {
        this.lose(
          new TransportError('dropped', `${where}: the host stopped answering keepalives; connection considered dead`),
        );
      } else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        this.lose(new TransportError('dropped', `${where}: connection reset by the host`));
      } else {
        this.lose(new TransportError('dropped', `${where}: connection failed: ${oneLine(err.message)}`));
      }
    });
    // Checked before building the error: a session we closed ourselves is already marked, and errors are not free.
    client.on(
      'close',
      () => this.broken ?? this.lose(new TransportError('dropped', `${where}: connection closed by the host`)),
    );
  }

  get lost(): TransportError | undefined {
    return this.broken;
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
          closed = await Promise.race([
            channel.closed.then(() => true),
            delay(CHANNEL_CLOSE_GRACE_MS).then(() => false),
          ]);
        }
        if (!closed) {
          await this.end(
            new TransportError('dropped', `${this.where}: connection ended because a ${what} would not stop`),
            true,
          );
        }
        settle(err);
      };
      const onAbort = (): void => void abandon(abortReason(opts.signal));

      if (opts.signal?.aborted) return settle(abortReason(opts.signal));
      this.onLost.add(onLost);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
        const ms = opts.timeoutMs;
        timer = setTimeout(
          () => void abandon(new TransportError('timeout', `${this.where}: ${what} timed out after ${ms} ms`)),
          ms,
        );
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

  operate<T>(
    what: string,
    opts: { timeoutMs?: number; signal?: AbortSignal },
    body: (ctx: OperationContext) => Promise<T>,
  ): Promise<T> {
    return this.enqueue(() => this.guarded(what, opts, body));
  }

  exec(command: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    return this.enqueue(() =>
      this.guarded(
        'command',
        opts,
        (ctx) =>
          new Promise<ExecResult>((resolve, reject) => {
            this.openChannel<ClientChannel>(
              reject,
              (cb) => this.client.exec(command, cb),
              (err, stream) => {
                if (err)
                  return reject(
                    this.broken ??
                      new TransportError('dropped', `${this.where}: cannot start a command: ${oneLine(err.message)}`),
                  );
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
              },
            );
          }),
      ),
    );
  }

  readFile(path: string, opts: { timeoutMs?: number } = {}): Promise<Buffer | null> {
    return this.files.read(path, opts);
  }

  writeFile(path: string, data: Buffer | string, opts: { mode?: string; timeoutMs?: number } = {}): Promise<void> {
    return this.files.write(path, data, opts);
  }

  stat(path: string, opts: { timeoutMs?: number } = {}): Promise<{ mode: number; size: number } | null> {
    return this.files.stat(path, opts);
  }

  chmod(path: string, mode: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    return this.files.chmod(path, mode, opts);
  }

  openSftp(ctx: OperationContext): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      this.openChannel<SFTPWrapper>(
        reject,
        (cb) => this.client.sftp(cb),
        (err, sftp) => {
          if (err) {
            if (this.broken) return reject(this.broken);
            return reject(new RemoteFileError(`${this.where}: SFTP is not available (${oneLine(err.message)})`));
          }
          sftp.on('error', () => undefined);
          ctx.opened(sftpChannel(sftp));
          resolve(sftp);
        },
      );
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

  /** Ends the connection: politely unless `force` (a wedged peer would never answer the goodbye). */
  private async end(reason: TransportError, force = false): Promise<void> {
    this.lose(reason);
    if (force) this.destroySocket();
    this.closing ??= (async () => {
      this.client.end();
      const closed = await Promise.race([
        this.closedEvent.then(() => true),
        delay(DISCONNECT_GRACE_MS).then(() => false),
      ]);
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

  shell(opts: { cols?: number; rows?: number } = {}): Promise<ShellStream> {
    return this.enqueue(
      () =>
        new Promise<ShellStream>((resolve, reject) => {
          const pty = { term: 'vt100', cols: opts.cols ?? 511, rows: opts.rows ?? 24 };
          this.openChannel<ClientChannel>(
            reject,
            (cb) => this.client.shell(pty, cb),
            (err, stream) => {
              if (err)
                return reject(
                  this.broken ??
                    new TransportError('dropped', `${this.where}: cannot start a shell: ${oneLine(err.message)}`),
                );
              stream.on('error', () => undefined);
              resolve(shellStream(stream, () => this.broken));
            },
          );
        }),
    );
  }
}

/** A PTY shell channel as text; `lost` says why, when it closed because the connection went. */
function shellStream(stream: ClientChannel, lost: () => TransportError | undefined): ShellStream {
  stream.setEncoding('utf8');
  return {
    write: (text) => void stream.write(text),
    onData: (listener) => void stream.on('data', (text: string) => listener(text)),
    onClose: (listener) => void stream.once('close', () => listener(lost())),
    close: () => void stream.close(),
  };
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
