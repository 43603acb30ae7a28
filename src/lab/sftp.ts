import ssh2, { type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import { FsFailure, MemoryFs, type FsStat } from './filesystem.js';

/**
 * The SFTP subsystem of a device over its in-memory file system: what ssh2's client (readFile, writeFile,
 * fastPut, rename, chmod, stat) and OpenSSH's `sftp` (put, get, ls) need. Unknown requests are answered
 * OP_UNSUPPORTED by ssh2 itself.
 */

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

type Handle = { kind: 'file'; path: string; append: boolean } | { kind: 'dir'; path: string; listed: boolean };

export interface SftpHooks {
  /** Called with the size of every write, for the device's bytesWritten counter. */
  wrote(bytes: number): void;
}

function attrsOf(st: FsStat): Attributes {
  const seconds = Math.floor(st.mtimeMs / 1000);
  return {
    mode: (st.kind === 'dir' ? S_IFDIR : S_IFREG) | st.mode,
    uid: 0,
    gid: 0,
    size: st.size,
    atime: seconds,
    mtime: seconds,
  };
}

function longname(name: string, st: FsStat): string {
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (st.mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  const d = new Date(st.mtimeMs);
  const date = `${d.toUTCString().slice(8, 11)} ${String(d.getUTCDate()).padStart(2)} ${d.toISOString().slice(11, 16)}`;
  return (
    `${st.kind === 'dir' ? 'd' : '-'}${bits}    1 root     root     ` + `${String(st.size).padStart(8)} ${date} ${name}`
  );
}

function failureStatus(e: unknown): number {
  if (e instanceof FsFailure) return e.code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE;
  throw e;
}

/** Partial attributes arrive as objects with only the flagged fields present. */
function modeOf(attrs: Partial<Attributes> | undefined): number | undefined {
  return typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : undefined;
}

export function serveSftp(sftp: SFTPWrapper, fs: MemoryFs, cwd: string, hooks: SftpHooks): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  // The client ends the subsystem with EOF; answering with our own end closes the channel, as sftp-server exits.
  sftp.on('end', () => sftp.end());
  sftp.on('error', () => {});
  const resolve = (p: string) => MemoryFs.resolve(p === '' ? '.' : p, cwd);
  const open = (h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const lookup = (buf: Buffer): [number, Handle | undefined] => {
    if (buf.length !== 4) return [-1, undefined];
    const id = buf.readUInt32BE(0);
    return [id, handles.get(id)];
  };
  const attempt = (reqid: number, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      sftp.status(reqid, failureStatus(e));
    }
  };
  const statReply = (reqid: number, path: string) => {
    const st = fs.stat(resolve(path));
    if (!st) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    sftp.attrs(reqid, attrsOf(st));
  };
  const setStat = (reqid: number, path: string, attrs: Partial<Attributes>) =>
    attempt(reqid, () => {
      const mode = modeOf(attrs);
      if (mode !== undefined) fs.chmod(path, mode);
      if (typeof attrs.size === 'number') {
        const data = fs.readFile(path);
        if (data === null) throw new FsFailure('ENOENT', path);
        const resized = Buffer.alloc(attrs.size);
        data.copy(resized, 0, 0, Math.min(data.length, attrs.size));
        fs.writeFile(path, resized);
      }
      sftp.status(reqid, STATUS_CODE.OK);
    });

  sftp.on('OPEN', (reqid, filename, flags, attrs: Partial<Attributes>) =>
    attempt(reqid, () => {
      const path = resolve(filename);
      const st = fs.stat(path);
      if (st?.kind === 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE, 'is a directory');
      const writing = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
      if (!st) {
        if (!(flags & OPEN_MODE.CREAT)) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
        fs.writeFile(path, Buffer.alloc(0), modeOf(attrs) ?? 0o644);
      } else if (flags & OPEN_MODE.CREAT && flags & OPEN_MODE.EXCL) {
        return sftp.status(reqid, STATUS_CODE.FAILURE, 'file exists');
      } else if (writing && flags & OPEN_MODE.TRUNC) {
        fs.writeFile(path, Buffer.alloc(0));
      }
      sftp.handle(reqid, open({ kind: 'file', path, append: (flags & OPEN_MODE.APPEND) !== 0 }));
    }),
  );

  sftp.on('READ', (reqid, handle, offset, length) => {
    const [, h] = lookup(handle);
    if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
    const data = fs.readFile(h.path);
    if (data === null) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    if (offset >= data.length) return sftp.status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, data.subarray(offset, Math.min(data.length, offset + length)));
  });

  sftp.on('WRITE', (reqid, handle, offset, data) =>
    attempt(reqid, () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      const current = fs.readFile(h.path) ?? Buffer.alloc(0);
      const at = h.append ? current.length : offset;
      const next = Buffer.alloc(Math.max(current.length, at + data.length));
      current.copy(next);
      data.copy(next, at);
      fs.writeFile(h.path, next);
      hooks.wrote(data.length);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('CLOSE', (reqid, handle) => {
    const [id, h] = lookup(handle);
    if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
    handles.delete(id);
    sftp.status(reqid, STATUS_CODE.OK);
  });

  sftp.on('FSTAT', (reqid, handle) => {
    const [, h] = lookup(handle);
    if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
    statReply(reqid, h.path);
  });
  sftp.on('STAT', (reqid, path) => statReply(reqid, path));
  sftp.on('LSTAT', (reqid, path) => statReply(reqid, path));

  sftp.on('SETSTAT', (reqid, path, attrs: Partial<Attributes>) => setStat(reqid, resolve(path), attrs));
  sftp.on('FSETSTAT', (reqid, handle, attrs: Partial<Attributes>) => {
    const [, h] = lookup(handle);
    if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
    setStat(reqid, h.path, attrs);
  });

  sftp.on('OPENDIR', (reqid, path) => {
    const p = resolve(path);
    const st = fs.stat(p);
    if (!st) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    if (st.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE, 'not a directory');
    sftp.handle(reqid, open({ kind: 'dir', path: p, listed: false }));
  });

  sftp.on('READDIR', (reqid, handle) =>
    attempt(reqid, () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      if (h.listed) return sftp.status(reqid, STATUS_CODE.EOF);
      h.listed = true;
      const entries: FileEntry[] = [];
      for (const name of ['.', '..', ...fs.list(h.path)]) {
        const st = fs.stat(MemoryFs.resolve(name, h.path));
        if (st) entries.push({ filename: name, longname: longname(name, st), attrs: attrsOf(st) });
      }
      sftp.name(reqid, entries);
    }),
  );

  sftp.on('REALPATH', (reqid, path) => {
    const p = resolve(path);
    sftp.name(reqid, [{ filename: p, longname: p, attrs: {} as Attributes }]);
  });

  sftp.on('REMOVE', (reqid, path) =>
    attempt(reqid, () => (fs.remove(resolve(path)), sftp.status(reqid, STATUS_CODE.OK))),
  );
  sftp.on('RMDIR', (reqid, path) =>
    attempt(reqid, () => (fs.rmdir(resolve(path)), sftp.status(reqid, STATUS_CODE.OK))),
  );
  sftp.on('MKDIR', (reqid, path, attrs: Partial<Attributes>) =>
    attempt(reqid, () => (fs.mkdir(resolve(path), modeOf(attrs) ?? 0o755), sftp.status(reqid, STATUS_CODE.OK))),
  );
  // POSIX semantics (replace the destination), so upload-to-temp-then-rename works as on OpenSSH with posix-rename.
  sftp.on('RENAME', (reqid, from, to) =>
    attempt(reqid, () => (fs.rename(resolve(from), resolve(to)), sftp.status(reqid, STATUS_CODE.OK))),
  );
}
