import { shellQuote } from '../playbook/template/ansible-filters.js';
import { TransportError } from '../transport/transport.js';
import type { ActionHost } from './action.js';
import { fileDiff } from './file-diff.js';
import { done, failed, Interrupted, linkFailure, message, type Outcome } from './outcome.js';
import { change, statPath } from './remote-path.js';

/**
 * How `copy` and `template` place a file: the arguments Ansible's file-writing modules share. A type, not an
 * interface, so that an action's arguments built on it index as a plain record.
 */
export type Placement = {
  mode?: string;
  owner?: string;
  group?: string;
  /** Keep the replaced file as `dest.PID.YYYY-MM-DD@HH:MM:SS~`, its path registered as `backup_file`. */
  backup?: boolean;
  /** A command with `%s`, run on the new content before it replaces dest; non-zero leaves dest untouched. */
  validate?: string;
  /** false: only create; an existing file keeps its content. */
  force?: boolean;
};

const text = (b: Buffer | null): string =>
  b === null ? '' : b.includes(0) ? `(binary, ${b.length} bytes)\n` : b.toString('utf8');

/** What a placed file should hold: bytes from the controller, or a file already on the host (`remote_src`). */
export type Source = Buffer | { remote: string };

/**
 * Makes `dest` hold `source` with the placement's attributes, changing only what differs (nothing under
 * --check). Never throws: link failures and refused validations are outcomes.
 */
export async function placeFile(host: ActionHost, dest: string, source: Source, p: Placement): Promise<Outcome> {
  const { session, timeoutMs } = host;
  const remote = Buffer.isBuffer(source) ? null : source.remote;
  try {
    // A remote source is compared on the host (cmp), so neither file crosses the link unless a diff is asked for.
    const found = remote === null ? null : await compareOnHost(host, remote, dest);
    const current =
      remote === null || (found !== 'missing' && (host.diff || host.check))
        ? await host.bounded(() => session.readFile(dest, { timeoutMs }))
        : null;
    const exists = remote === null ? current !== null : found !== 'missing';
    const same = remote === null ? current?.equals(source as Buffer) === true : found === 'same';
    if (exists && (p.force === false || same)) return await settle(host, dest, p);
    const outcome = done('changed');
    if (host.diff || host.check) {
      const wanted = remote === null ? (source as Buffer) : await readRemote(host, remote);
      const binary = current?.includes(0) || wanted.includes(0);
      outcome.diff = binary
        ? `--- ${dest}\n+++ ${dest}\n-${text(current)}+${text(wanted)}`
        : await fileDiff(dest, current, wanted);
    }
    if (host.check) return outcome;
    // An existing file keeps its mode unless one is given, also when the new content arrives by rename.
    const kept = !exists || p.mode ? null : await host.bounded(() => session.stat(dest, { timeoutMs }));
    const mode = p.mode ?? (kept ? (kept.mode & 0o7777).toString(8).padStart(4, '0') : undefined);
    // Beside dest, so the rename that replaces it stays on one filesystem and is atomic.
    const staged =
      p.validate !== undefined || remote !== null ? `${dest}.runbook-${process.pid}-${Date.now()}.tmp` : null;
    if (staged !== null) {
      if (remote === null) {
        await host.bounded(() => session.writeFile(staged, source as Buffer, { timeoutMs, ...(mode ? { mode } : {}) }));
      } else {
        // cp -p keeps the source's mode and times, as Ansible's remote copy (shutil.copy2) does.
        await change(host, `cp -p -- ${shellQuote(remote)} ${shellQuote(staged)}`);
        if (mode) await host.bounded(() => session.chmod(staged, mode, { timeoutMs }));
      }
    }
    if (staged !== null && p.validate !== undefined) {
      const command = p.validate.replaceAll('%s', shellQuote(staged));
      const res = await host.bounded((signal) => session.exec(command, { timeoutMs, signal }));
      if (res.rc !== 0) {
        await change(host, `rm -f -- ${shellQuote(staged)}`);
        return failed('command', `failed to validate: ${(res.stderr || res.stdout).trim() || `rc ${res.rc}`}`, {
          rc: res.rc,
          stdout: res.stdout,
          stderr: res.stderr,
        });
      }
    }
    if (p.backup && exists) outcome.data = { backup_file: await backupFile(host, dest) };
    if (staged !== null) await change(host, `mv -f -- ${shellQuote(staged)} ${shellQuote(dest)}`);
    else await host.bounded(() => session.writeFile(dest, source as Buffer, { timeoutMs, ...(mode ? { mode } : {}) }));
    if (p.owner !== undefined || p.group !== undefined) await chown(host, dest, p);
    return outcome;
  } catch (err) {
    const link = err instanceof TransportError || err instanceof Interrupted;
    return link
      ? linkFailure(err, host.stopped, () => failed('command', message(err)))
      : failed('command', `${dest}: ${message(err)}`);
  }
}

/** A remote source file against dest, on the host: dest missing, the same bytes, or different ones. */
async function compareOnHost(host: ActionHost, src: string, dest: string): Promise<'missing' | 'same' | 'differs'> {
  const [s, d] = [shellQuote(src), shellQuote(dest)];
  const script =
    `[ -f ${s} ] || { echo "source ${src.replaceAll('"', '')} is not a file on the host" >&2; exit 1; }; ` +
    `if [ ! -e ${d} ]; then echo missing; elif cmp -s -- ${s} ${d}; then echo same; else echo differs; fi`;
  const res = await host.bounded((signal) => host.session.exec(script, { timeoutMs: host.timeoutMs, signal }));
  const answer = res.stdout.trim();
  if (res.rc !== 0 || (answer !== 'missing' && answer !== 'same' && answer !== 'differs'))
    throw new Error(res.stderr.trim() || `cannot compare with ${src}: rc ${res.rc}`);
  return answer;
}

async function readRemote(host: ActionHost, path: string): Promise<Buffer> {
  const bytes = await host.bounded(() => host.session.readFile(path, { timeoutMs: host.timeoutMs }));
  if (bytes === null) throw new Error(`source ${path} is not a file on the host`);
  return bytes;
}

/**
 * The content is right (or kept, force false): only mode, owner and group may still differ. The mode is read
 * by SFTP (every host has it); owner and group by `stat`, only when asked for.
 */
async function settle(host: ActionHost, dest: string, p: Placement): Promise<Outcome> {
  if (p.mode === undefined && p.owner === undefined && p.group === undefined) return done('ok');
  const { session, timeoutMs } = host;
  const wrong: string[] = [];
  if (p.mode !== undefined) {
    const found = await host.bounded(() => session.stat(dest, { timeoutMs }));
    const want = parseInt(p.mode, 8) & 0o7777;
    if (found !== null && found.mode !== want) wrong.push(`mode ${octalMode(found.mode)} → ${octalMode(want)}`);
  }
  if (p.owner !== undefined || p.group !== undefined) {
    const found = await statPath(host, dest);
    if (p.owner !== undefined && found.owner !== p.owner) wrong.push(`owner ${found.owner} → ${p.owner}`);
    if (p.group !== undefined && found.group !== p.group) wrong.push(`group ${found.group} → ${p.group}`);
  }
  if (wrong.length === 0) return done('ok');
  const outcome = done('changed');
  if (host.diff || host.check) {
    // Headers and no hunks, each attribute on a line before them (where git puts `old mode`/`new mode`).
    const { createTwoFilesPatch } = await import('diff');
    const patch = createTwoFilesPatch(dest, dest, '', '');
    const at = Math.max(0, patch.indexOf('--- '));
    outcome.diff = patch.slice(0, at) + wrong.map((w) => `${w}\n`).join('') + patch.slice(at);
  }
  if (host.check) return outcome;
  const mode = p.mode;
  if (mode !== undefined) await host.bounded(() => session.chmod(dest, mode, { timeoutMs }));
  await chown(host, dest, p);
  return outcome;
}

function octalMode(bits: number): string {
  return bits.toString(8).padStart(4, '0');
}

/** Copies dest to `dest.PID.YYYY-MM-DD@HH:MM:SS~` (the remote shell's PID and clock, as Ansible names it). */
export async function backupFile(host: ActionHost, dest: string): Promise<string> {
  const q = shellQuote(dest);
  const res = await host.bounded((signal) =>
    host.session.exec(`b=${q}.$$.$(date +%Y-%m-%d@%H:%M:%S)~ && cp -p -- ${q} "$b" && printf %s "$b"`, {
      timeoutMs: host.timeoutMs,
      signal,
    }),
  );
  if (res.rc !== 0) throw new Error(`backup failed: ${res.stderr.trim() || `rc ${res.rc}`}`);
  return res.stdout;
}

async function chown(host: ActionHost, dest: string, p: Placement): Promise<void> {
  if (p.owner === undefined && p.group === undefined) return;
  const who = `${p.owner ?? ''}${p.group !== undefined ? `:${p.group}` : ''}`;
  await change(host, `chown ${shellQuote(who)} -- ${shellQuote(dest)}`);
}
