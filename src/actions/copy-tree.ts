import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { ActionHost } from './action.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';
import { type Placement, placeFile } from './remote-file.js';

/** One local directory tree, as remote directories and files relative to its root. */
interface Tree {
  dirs: string[];
  files: { rel: string; local: string }[];
}

/**
 * The tree under `root`, in name order. A symbolic link is followed only to a file inside the tree: the
 * source is hostile input and must not read anything beside it (nor loop through a linked directory).
 */
function walk(root: string): Tree {
  const top = realpathSync(root);
  const tree: Tree = { dirs: [], files: [] };
  const visit = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const local = join(dir, name);
      const at = rel === '' ? name : `${rel}/${name}`;
      const link = lstatSync(local).isSymbolicLink();
      if (link && !realpathSync(local).startsWith(top + sep))
        throw new Error(`${at}: links outside the copied directory`);
      const st = statSync(local);
      if (st.isDirectory()) {
        if (link) throw new Error(`${at}: a linked directory is not copied`);
        tree.dirs.push(at);
        visit(local, at);
      } else if (st.isFile()) tree.files.push({ rel: at, local });
    }
  };
  visit(top, '');
  return tree;
}

/**
 * `copy` of a directory: its directories made under `dest` and each file placed as a single copy would be
 * (checksum first, mode/owner/group, backup, validate). Changed when any directory or file was.
 */
export async function copyTree(host: ActionHost, local: string, dest: string, p: Placement): Promise<Outcome> {
  const tree = walk(local);
  const dirs = [dest, ...tree.dirs.map((d) => posix.join(dest, d))];
  let made: string[];
  try {
    // One round trip: the missing directories are named (and, unless --check, made).
    const make = host.check ? '' : ' && mkdir -p -- "$d"';
    const missing = `[ -d "$d" ] || { printf '%s\\n' "$d"${make}; }`;
    const script = `for d in ${dirs.map(shellQuote).join(' ')}; do ${missing}; done`;
    const res = await host.bounded((signal) => host.session.exec(script, { timeoutMs: host.timeoutMs, signal }));
    if (res.rc !== 0) return failed('command', `${dest}: ${res.stderr.trim() || `rc ${res.rc}`}`);
    made = res.stdout.split('\n').filter((l) => l !== '');
  } catch (err) {
    return linkFailure(err, host.stopped, () => failed('command', `${dest}: ${message(err)}`));
  }
  const diffs = made.map((d) => `--- ${d}\n+++ ${d}\n+directory\n`);
  let changed = made.length > 0;
  const stdout: string[] = [];
  for (const f of tree.files) {
    const outcome = await placeFile(host, posix.join(dest, f.rel), readFileSync(f.local), p);
    if (outcome.status === 'failed') return outcome;
    if (outcome.changed) {
      changed = true;
      stdout.push(posix.join(dest, f.rel));
    }
    if (outcome.diff) diffs.push(outcome.diff);
  }
  const outcome = done(changed ? 'changed' : 'ok', { stdout: stdout.map((l) => `${l}\n`).join('') });
  if ((host.diff || host.check) && diffs.length > 0) outcome.diff = diffs.join('');
  return outcome;
}
