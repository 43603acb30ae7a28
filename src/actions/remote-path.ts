import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { ActionHost } from './action.js';

/** What a remote path is, read with one `stat` (GNU coreutils' format; every Linux host has it). */
export interface RemotePath {
  exists: boolean;
  type?: 'file' | 'directory' | 'link' | 'other';
  /** Permission bits as four octal digits. */
  mode?: string;
  owner?: string;
  group?: string;
  /** The target of a symbolic link. */
  target?: string;
  inode?: string;
}

export async function statPath(host: ActionHost, path: string): Promise<RemotePath> {
  const q = shellQuote(path);
  const res = await host.bounded((signal) =>
    host.session.exec(`stat -c '%F|%a|%U|%G|%i' -- ${q} 2>/dev/null && { [ -L ${q} ] && readlink -- ${q} || true; }`, {
      timeoutMs: host.timeoutMs,
      signal,
    }),
  );
  if (res.rc !== 0) return { exists: false };
  const [first = '', target] = res.stdout.split('\n');
  const [kind = '', mode = '', owner = '', group = '', inode = ''] = first.split('|');
  const type =
    kind === 'directory'
      ? 'directory'
      : kind === 'symbolic link'
        ? 'link'
        : kind.includes('regular')
          ? 'file'
          : 'other';
  const out: RemotePath = { exists: true, type, mode: mode.padStart(4, '0'), owner, group, inode };
  if (type === 'link' && target) out.target = target;
  return out;
}

/** Runs a command that changes the host; throws with its stderr when it fails. */
export async function change(host: ActionHost, command: string): Promise<void> {
  const res = await host.bounded((signal) => host.session.exec(command, { timeoutMs: host.timeoutMs, signal }));
  if (res.rc !== 0) throw new Error((res.stderr || res.stdout).trim() || `${command}: exit status ${res.rc}`);
}
