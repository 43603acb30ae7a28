import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { ActionHost } from './action.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';
import { type Placement, placeFile, type Source } from './remote-file.js';

/** One directory tree to copy: directories, files and symbolic links relative to its root, in name order. */
export interface Tree {
  dirs: string[];
  files: { rel: string; source: Source | { local: string } }[];
  links: { rel: string; target: string }[];
}

/** The tree as one directory `name` holding it (`src: dir` without a slash copies the directory itself). */
export function nest(tree: Tree, name: string): Tree {
  const under = (rel: string) => `${name}/${rel}`;
  return {
    dirs: [name, ...tree.dirs.map(under)],
    files: tree.files.map((f) => ({ ...f, rel: under(f.rel) })),
    links: tree.links.map((l) => ({ ...l, rel: under(l.rel) })),
  };
}

const inside = (top: string, real: string) => real === top || real.startsWith(top + sep);

/**
 * The local tree under `root`. With `follow` (Ansible's `local_follow`, its default) a link to a file is copied
 * as that file and a link to a directory as that directory (as a link when it loops back to one it is in);
 * without, every link is copied as a link. The source is hostile input: a link is followed only inside the
 * tree, so nothing beside it is read.
 */
export function localTree(root: string, follow: boolean): Tree {
  const top = realpathSync(root);
  const tree: Tree = { dirs: [], files: [], links: [] };
  const visit = (dir: string, rel: string, above: Set<string>): void => {
    for (const name of readdirSync(dir).sort()) {
      const local = join(dir, name);
      const at = rel === '' ? name : `${rel}/${name}`;
      if (lstatSync(local).isSymbolicLink()) {
        const target = readlinkSync(local);
        if (!follow) {
          tree.links.push({ rel: at, target });
          continue;
        }
        const real = realpathOrNull(local);
        if (real === null) tree.links.push({ rel: at, target });
        else if (!inside(top, real)) throw new Error(`${at}: links outside the copied directory`);
        else if (statSync(real).isDirectory()) {
          if (above.has(real)) tree.links.push({ rel: at, target });
          else {
            tree.dirs.push(at);
            visit(real, at, new Set([...above, real]));
          }
        } else if (statSync(real).isFile()) tree.files.push({ rel: at, source: { local: real } });
        continue;
      }
      const st = statSync(local);
      if (st.isDirectory()) {
        tree.dirs.push(at);
        visit(local, at, new Set([...above, realpathSync(local)]));
      } else if (st.isFile()) tree.files.push({ rel: at, source: { local } });
    }
  };
  visit(top, '', new Set([top]));
  return tree;
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/**
 * The tree under `root` on the host (`remote_src`), listed with one `find`. Links are kept as links, as
 * Ansible's remote copy keeps them, unless `follow` (an explicit `local_follow: true`) copies what they point at.
 */
export async function remoteTree(host: ActionHost, root: string, follow: boolean): Promise<Tree> {
  const script = `cd -- ${shellQuote(root)} && find ${follow ? '-L ' : ''}. -mindepth 1 -printf '%y %P\\0%l\\0'`;
  const res = await host.bounded((signal) => host.session.exec(script, { timeoutMs: host.timeoutMs, signal }));
  if (res.rc !== 0) throw new Error(`${root}: ${res.stderr.trim() || `rc ${res.rc}`}`);
  const fields = res.stdout.split('\0');
  const tree: Tree = { dirs: [], files: [], links: [] };
  const entries: { type: string; rel: string; target: string }[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [type = '', ...rest] = fields[i]!.split(' ');
    entries.push({ type, rel: rest.join(' '), target: fields[i + 1]! });
  }
  for (const e of entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    if (e.type === 'd') tree.dirs.push(e.rel);
    else if (e.type === 'f') tree.files.push({ rel: e.rel, source: { remote: posix.join(root, e.rel) } });
    else if (e.type === 'l') tree.links.push({ rel: e.rel, target: e.target });
  }
  return tree;
}

/**
 * `copy` of a directory: its directories made under `dest` (with `directory_mode`, which also applies to the
 * tree's directories already there, as Ansible's file module sets it), each file placed as a single copy would be
 * (checksum first, mode/owner/group, backup, validate) and each link made. Changed when any of them was.
 */
export async function copyTree(
  host: ActionHost,
  tree: Tree,
  dest: string,
  p: Placement & { directoryMode?: string },
): Promise<Outcome> {
  const dirs = [dest, ...tree.dirs.map((d) => posix.join(dest, d))];
  let made: Made[];
  try {
    made = await makeDirs(host, dest, dirs, p.directoryMode);
    const linked = await makeLinks(
      host,
      tree.links.map((l) => ({ path: posix.join(dest, l.rel), target: l.target })),
    );
    made.push(...linked);
  } catch (err) {
    return linkFailure(err, host.stopped, () => failed('command', `${dest}: ${message(err)}`));
  }
  const diffs = made.map(({ what, path }) => `--- ${path}\n+++ ${path}\n+${what}\n`);
  let changed = made.length > 0;
  const stdout: string[] = [];
  for (const f of tree.files) {
    let source: Source;
    try {
      source = 'local' in f.source ? readFileSync(f.source.local) : f.source;
    } catch (err) {
      return failed('command', `${f.rel}: ${message(err)}`);
    }
    const outcome = await placeFile(host, posix.join(dest, f.rel), source, p);
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

/** A directory made, a mode set or a link made, as a diff shows it. */
type Made = { what: string; path: string };

/**
 * One round trip: the missing directories are named (and, unless --check, made), and with a directory mode the
 * tree's directories whose mode differs too. dest itself keeps its mode when it was already there.
 */
async function makeDirs(host: ActionHost, dest: string, dirs: string[], mode?: string): Promise<Made[]> {
  const bits = mode === undefined ? '' : (parseInt(mode, 8) & 0o7777).toString(8);
  const act = (what: string) => (host.check ? '' : ` && ${what}`);
  const chmod = bits === '' ? '' : act(`chmod ${bits} -- "$d"`);
  const fix =
    bits === ''
      ? ''
      : ` elif [ "$d" != ${shellQuote(dest)} ] && [ "$(stat -c %a -- "$d")" != ${bits} ]; then ` +
        `printf 'mode %s\\n' "$d"${chmod};`;
  const script =
    `for d in ${dirs.map(shellQuote).join(' ')}; do ` +
    `if [ ! -d "$d" ]; then printf 'directory %s\\n' "$d"${act('mkdir -p -- "$d"')}${chmod};${fix} fi; done`;
  const res = await host.bounded((signal) => host.session.exec(script, { timeoutMs: host.timeoutMs, signal }));
  if (res.rc !== 0) throw new Error(res.stderr.trim() || `rc ${res.rc}`);
  return res.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ({ what: l.slice(0, l.indexOf(' ')), path: l.slice(l.indexOf(' ') + 1) }));
}

/** Each link made (unless --check) where the path is not already that link: one round trip for all. */
async function makeLinks(host: ActionHost, links: { path: string; target: string }[]): Promise<Made[]> {
  if (links.length === 0) return [];
  const make = host.check ? '' : ' && rm -f -- "$p" && ln -s -- "$t" "$p"';
  const one = (l: { path: string; target: string }) =>
    `p=${shellQuote(l.path)} t=${shellQuote(l.target)}; ` +
    `{ [ -L "$p" ] && [ "$(readlink -- "$p")" = "$t" ]; } || { printf '%s\\n' "$p"${make}; }`;
  const res = await host.bounded((signal) =>
    host.session.exec(links.map(one).join('; '), { timeoutMs: host.timeoutMs, signal }),
  );
  if (res.rc !== 0) throw new Error(res.stderr.trim() || `rc ${res.rc}`);
  const made = new Set(res.stdout.split('\n').filter((l) => l !== ''));
  return links.filter((l) => made.has(l.path)).map((l) => ({ what: `link -> ${l.target}`, path: l.path }));
}
