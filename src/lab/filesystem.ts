import { posix } from 'node:path';

/**
 * A device's file system, held in memory: what SFTP uploads land in, what `cat` and `show running-config`
 * read back. Paths are POSIX and absolute once resolved; modes carry only the permission bits.
 */

export interface FsStat {
  kind: 'file' | 'dir';
  size: number;
  mode: number;
  mtimeMs: number;
}

interface FileNode {
  data: Buffer;
  mode: number;
  mtimeMs: number;
}

interface DirNode {
  mode: number;
  mtimeMs: number;
}

export type FsError = 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'ENOTEMPTY';

export class FsFailure extends Error {
  constructor(
    readonly code: FsError,
    readonly path: string,
  ) {
    super(`${code}: ${path}`);
  }
}

export class MemoryFs {
  private readonly files = new Map<string, FileNode>();
  private readonly dirs = new Map<string, DirNode>([['/', { mode: 0o755, mtimeMs: Date.now() }]]);

  static resolve(path: string, cwd = '/'): string {
    const joined = path.startsWith('/') ? path : posix.join(cwd, path);
    const normal = posix.normalize(joined);
    return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
  }

  stat(path: string): FsStat | null {
    const p = MemoryFs.resolve(path);
    const f = this.files.get(p);
    if (f) return { kind: 'file', size: f.data.length, mode: f.mode, mtimeMs: f.mtimeMs };
    const d = this.dirs.get(p);
    if (d) return { kind: 'dir', size: 4096, mode: d.mode, mtimeMs: d.mtimeMs };
    return null;
  }

  readFile(path: string): Buffer | null {
    return this.files.get(MemoryFs.resolve(path))?.data ?? null;
  }

  /** Strict like a real device: the parent directory must exist. */
  writeFile(path: string, data: Buffer, mode?: number): void {
    const p = MemoryFs.resolve(path);
    if (this.dirs.has(p)) throw new FsFailure('EISDIR', p);
    if (!this.dirs.has(posix.dirname(p))) throw new FsFailure('ENOENT', p);
    const existing = this.files.get(p);
    this.files.set(p, { data, mode: mode ?? existing?.mode ?? 0o644, mtimeMs: Date.now() });
  }

  /** For the lab's own API and seeding: creates the parent directories first. */
  put(path: string, data: Buffer, mode?: number): void {
    this.mkdirp(posix.dirname(MemoryFs.resolve(path)));
    this.writeFile(path, data, mode);
  }

  mkdirp(path: string): void {
    const p = MemoryFs.resolve(path);
    if (this.dirs.has(p)) return;
    if (this.files.has(p)) throw new FsFailure('ENOTDIR', p);
    this.mkdirp(posix.dirname(p));
    this.dirs.set(p, { mode: 0o755, mtimeMs: Date.now() });
  }

  mkdir(path: string, mode = 0o755): void {
    const p = MemoryFs.resolve(path);
    if (this.dirs.has(p) || this.files.has(p)) throw new FsFailure('EEXIST', p);
    if (!this.dirs.has(posix.dirname(p))) throw new FsFailure('ENOENT', p);
    this.dirs.set(p, { mode, mtimeMs: Date.now() });
  }

  rmdir(path: string): void {
    const p = MemoryFs.resolve(path);
    if (!this.dirs.has(p)) throw new FsFailure(this.files.has(p) ? 'ENOTDIR' : 'ENOENT', p);
    if (this.list(p).length > 0 || p === '/') throw new FsFailure('ENOTEMPTY', p);
    this.dirs.delete(p);
  }

  remove(path: string): void {
    const p = MemoryFs.resolve(path);
    if (this.dirs.has(p)) throw new FsFailure('EISDIR', p);
    if (!this.files.delete(p)) throw new FsFailure('ENOENT', p);
  }

  /** Replaces an existing destination file, as POSIX rename does. */
  rename(from: string, to: string): void {
    const src = MemoryFs.resolve(from);
    const dst = MemoryFs.resolve(to);
    if (!this.dirs.has(posix.dirname(dst))) throw new FsFailure('ENOENT', dst);
    const file = this.files.get(src);
    if (file) {
      if (this.dirs.has(dst)) throw new FsFailure('EISDIR', dst);
      this.files.delete(src);
      this.files.set(dst, file);
      return;
    }
    if (!this.dirs.has(src)) throw new FsFailure('ENOENT', src);
    if (this.dirs.has(dst) || this.files.has(dst)) throw new FsFailure('EEXIST', dst);
    for (const [key, value] of [...this.dirs]) {
      if (key === src || key.startsWith(`${src}/`)) {
        this.dirs.delete(key);
        this.dirs.set(dst + key.slice(src.length), value);
      }
    }
    for (const [key, value] of [...this.files]) {
      if (key.startsWith(`${src}/`)) {
        this.files.delete(key);
        this.files.set(dst + key.slice(src.length), value);
      }
    }
  }

  chmod(path: string, mode: number): void {
    const p = MemoryFs.resolve(path);
    const node = this.files.get(p) ?? this.dirs.get(p);
    if (!node) throw new FsFailure('ENOENT', p);
    node.mode = mode & 0o7777;
  }

  /** Sorted names directly inside a directory. */
  list(path: string): string[] {
    const p = MemoryFs.resolve(path);
    if (!this.dirs.has(p)) throw new FsFailure(this.files.has(p) ? 'ENOTDIR' : 'ENOENT', p);
    const prefix = p === '/' ? '/' : `${p}/`;
    const names = new Set<string>();
    for (const key of [...this.files.keys(), ...this.dirs.keys()]) {
      if (key !== p && key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
        names.add(key.slice(prefix.length));
    }
    return [...names].sort();
  }
}
