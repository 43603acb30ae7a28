import type { ActionHost } from './action.js';
import { done, failed, Interrupted, linkFailure, message, type Outcome } from './outcome.js';
import { TransportError } from '../transport/transport.js';
import { backupFile } from './remote-file.js';
import { fileDiff } from './file-diff.js';

type TextEdit = { ok: true; content: string; changed: boolean; msg: string } | { ok: false; msg: string };

/**
 * Reads a remote text file, applies an edit, and writes the result back only when it changed (never under
 * --check), keeping the file's mode (and, with `backup`, a copy of the file it replaced). The diff is recorded
 * under --diff and --check.
 */
export async function editRemoteFile(
  host: ActionHost,
  path: string,
  edit: (content: string | null) => TextEdit,
  backup = false,
): Promise<Outcome> {
  const { session, timeoutMs } = host;
  try {
    const current = await host.bounded(() => session.readFile(path, { timeoutMs }));
    const before = current === null ? null : current.toString('utf8');
    const result = edit(before);
    if (!result.ok) return failed('command', result.msg);
    if (!result.changed) return done('ok', { stdout: result.msg });
    const outcome = done('changed', { stdout: result.msg });
    if (host.diff || host.check) {
      outcome.diff = await fileDiff(path, current, Buffer.from(result.content, 'utf8'));
    }
    if (!host.check) {
      if (backup && current !== null) outcome.data = { backup_file: await backupFile(host, path) };
      const found = current === null ? null : await host.bounded(() => session.stat(path, { timeoutMs }));
      const mode = found ? found.mode.toString(8).padStart(4, '0') : undefined;
      await host.bounded(() => session.writeFile(path, result.content, { timeoutMs, ...(mode ? { mode } : {}) }));
    }
    return outcome;
  } catch (err) {
    const link = err instanceof TransportError || err instanceof Interrupted;
    return link
      ? linkFailure(err, host.stopped, () => failed('command', message(err)))
      : failed('command', `${path}: ${message(err)}`);
  }
}
