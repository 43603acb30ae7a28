import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { MAX_REMOTE_FILE_BYTES } from './output.js';
import { oneLine, type ChannelHost, type OpenChannel } from './ssh-channel.js';

/** A remote file operation that failed for a reason other than the link (permissions, missing directory…). */
export class RemoteFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteFileError';
  }
}

/** SFTP reads are asked for in pieces this large; ssh2 splits them further to the server's limit. */
const READ_CHUNK_BYTES = 256 * 1024;
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/**
 * Files over SFTP: read, written through a temporary name and a rename, stat'ed and chmod'ed. Each
 * operation opens its own SFTP channel through the session, so it shares the session's queue, timeouts
 * and link-loss handling with commands.
 */
export class SftpFiles {
  constructor(private readonly host: ChannelHost) {}

  read(path: string, opts: { timeoutMs?: number } = {}): Promise<Buffer | null> {
    return this.host.operate('file read', opts, async (ctx) => {
      const sftp = await this.host.openSftp(ctx);
      try {
        return await this.readCapped(sftp, path, MAX_REMOTE_FILE_BYTES);
      } finally {
        sftp.end();
      }
    });
  }

  write(path: string, data: Buffer | string, opts: { mode?: string; timeoutMs?: number } = {}): Promise<void> {
    const mode = opts.mode !== undefined ? parseMode(opts.mode) : undefined;
    const temp = posix.join(
      posix.dirname(path),
      `.${posix.basename(path)}.runbook-${randomBytes(6).toString('hex')}.tmp`,
    );
    return this.host.operate('file write', opts, async (ctx) => {
      const sftp = await this.host.openSftp(ctx);
      const call = <R>(
        what: string,
        target: string,
        fn: (cb: (err: Error | null | undefined, result?: R) => void) => void,
      ): Promise<R> =>
        new Promise<R>((resolve, reject) =>
          fn((err, result) => (err ? reject(this.error(what, target, err)) : resolve(result as R))),
        );
      try {
        // Without an explicit mode the file keeps the permissions it already had, as an editor would.
        let finalMode = mode;
        if (finalMode === undefined) {
          finalMode = await new Promise<number | undefined>((resolve, reject) =>
            sftp.stat(path, (err, attrs) => {
              if (!err) return resolve(attrs.mode & 0o7777);
              if (sftpCode(err) === SFTP_NO_SUCH_FILE) return resolve(undefined);
              reject(this.error('write', path, err));
            }),
          );
        }
        try {
          await call<void>('write', temp, (cb) =>
            sftp.writeFile(temp, data, finalMode !== undefined ? { mode: finalMode } : {}, cb),
          );
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
    });
  }

  stat(path: string, opts: { timeoutMs?: number } = {}): Promise<{ mode: number; size: number } | null> {
    return this.host.operate('file stat', opts, async (ctx) => {
      const sftp = await this.host.openSftp(ctx);
      try {
        return await new Promise<{ mode: number; size: number } | null>((resolve, reject) =>
          sftp.stat(path, (err, attrs) => {
            if (!err) return resolve({ mode: attrs.mode & 0o7777, size: attrs.size });
            if (sftpCode(err) === SFTP_NO_SUCH_FILE) return resolve(null);
            reject(this.error('stat', path, err));
          }),
        );
      } finally {
        sftp.end();
      }
    });
  }

  chmod(path: string, mode: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    // Parsed before anything is queued: a bad mode is the caller's error, not the link's.
    let bits: number;
    try {
      bits = parseMode(mode);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.host.operate('file chmod', opts, async (ctx) => {
      const sftp = await this.host.openSftp(ctx);
      try {
        await new Promise<void>((resolve, reject) =>
          sftp.chmod(path, bits, (err) => (err ? reject(this.error('chmod', path, err)) : resolve())),
        );
      } finally {
        sftp.end();
      }
    });
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
    if (posixRename !== 'unsupported') throw this.error('rename', to, posixRename);
    // Plain SFTP rename refuses to replace an existing file, so the target goes first (briefly absent).
    await new Promise<void>((resolve, reject) =>
      sftp.unlink(to, (err) =>
        err && sftpCode(err) !== SFTP_NO_SUCH_FILE ? reject(this.error('replace', to, err)) : resolve(),
      ),
    );
    await new Promise<void>((resolve, reject) =>
      sftp.rename(from, to, (err) => (err ? reject(this.error('rename', to, err)) : resolve())),
    );
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
          return reject(this.error('read', path, openErr));
        }
        const chunks: Buffer[] = [];
        let total = 0;
        const finish = (err: Error | null, data?: Buffer) =>
          sftp.close(handle, () => (err ? reject(err) : resolve(data ?? null)));
        const next = (): void => {
          // One byte past the limit tells "exactly the limit" from "more".
          const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit + 1 - total));
          sftp.read(handle, buf, 0, buf.length, total, (err, bytesRead) => {
            if (err) return finish(this.error('read', path, err));
            if (bytesRead === 0) return finish(null, Buffer.concat(chunks, total));
            chunks.push(buf.subarray(0, bytesRead));
            total += bytesRead;
            if (total > limit) {
              const why = `${path} is larger than ${limit} bytes; runbook does not read or replace a file that large`;
              return finish(new RemoteFileError(`${this.host.where}: ${why}`));
            }
            next();
          });
        };
        next();
      });
    });
  }

  private error(what: string, path: string, err: Error): Error {
    if (this.host.lost) return this.host.lost;
    const code = sftpCode(err);
    const why =
      code === SFTP_NO_SUCH_FILE
        ? 'no such file or directory'
        : code === SFTP_PERMISSION_DENIED
          ? 'permission denied'
          : oneLine(err.message);
    return new RemoteFileError(`${this.host.where}: cannot ${what} ${path}: ${why}`);
  }
}

export function sftpChannel(sftp: SFTPWrapper): OpenChannel {
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
  if (!/^0?[0-7]{3,4}$/.test(mode))
    throw new RemoteFileError(`invalid file mode "${mode}" (expected an octal string such as "0644")`);
  return parseInt(mode, 8);
}
