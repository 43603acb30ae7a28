import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What went wrong with a file system call, in words a user can act on instead of `EEXIST: …`. */
export function describeFsError(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return `${path} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to write ${path}`;
    case 'EISDIR':
      return `${path} is a directory`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a part of ${path} is a file, not a directory`;
    case 'EROFS':
      return `${path} is on a read-only file system`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left for ${path}`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Why `path` could not be written as an output file, or null when it can. Asked before the first host runs,
 * so a typo in `--report-file` costs nothing rather than a whole rollout's report. Missing directories are
 * not created: a path that names one is more likely a mistake than a wish.
 */
export function outputFileProblem(path: string): string | null {
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is a file, not a directory`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `directory ${dir} does not exist (create it first)`;
    return describeFsError(err, dir);
  }
  try {
    if (statSync(path).isDirectory()) return `${path} is a directory`;
  } catch {
    // Not there yet: it is created at the end of the run.
  }
  // The file is written beside its target and renamed over it, so what matters is creating a file in `dir`;
  // trying it is the only test that also holds for root, read-only mounts and full disks.
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
  } catch (err) {
    return describeFsError(err, dir);
  } finally {
    rmSync(probe, { force: true });
  }
  return null;
}
