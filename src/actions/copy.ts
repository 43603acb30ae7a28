import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, posix, resolve } from 'node:path';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { findTemplate, templateSearchPath } from '../playbook/template/jail.js';
import { fileSearchPath } from '../playbook/template/lookups.js';
import type { TaskSpec } from '../playbook/types.js';
import { BACKUP_REPLACED, modeSchema, ownership, VALIDATE } from './schema-fragments.js';
import { defineAction } from './action.js';
import { bool, isMap, oneOf, str, stringTexts } from './args.js';
import { copyTree, localTree, nest, remoteTree, type Tree } from './copy-tree.js';
import { failed, linkFailure, message, type Outcome } from './outcome.js';
import { placeFile, type Source } from './remote-file.js';
import { statPath } from './remote-path.js';
import { permissions, riskyOctal } from './file-mode.js';

export type CopyAction = {
  kind: 'copy';
  dest: string;
  src?: string;
  content?: string;
  mode?: string;
  owner?: string;
  group?: string;
  force: boolean;
  backup: boolean;
  validate?: string;
  /** Mode of the directories a tree copy makes (and of the tree's directories already there). */
  directoryMode?: string;
  /** `src` is a path on the host: the copy is made there. */
  remoteSrc: boolean;
  /** Follow links in a source tree; unset: Ansible's default (follow local links, keep remote ones). */
  localFollow?: boolean;
};
type CopyPreview = { dest: string; src?: string; bytes?: number; remote_src?: true };

/** Where `copy.src` is looked up: `files/` beside the playbook, then the playbook's directory (the lookup jail). */
function sourcePath(task: TaskSpec, src: string): string {
  const playDir = dirname(resolve(task.loc.file));
  const found = findTemplate(fileSearchPath(templateSearchPath(playDir)), src);
  if (!found.ok) throw new Error(found.message.replace(/^template /, 'file '));
  return found.path;
}

/**
 * `copy: {src | content, dest, mode, force}`: a file from `files/` (or literal content) on the host, uploaded
 * only when the remote bytes differ (then the mode is checked too), as Ansible's copy module.
 */
export const copy = defineAction<CopyAction, CopyPreview>({
  schema: {
    title: 'Copy',
    description: 'Put a file from files/ (src) or literal content on the host; uploads only what differs.',
    type: 'object',
    additionalProperties: false,
    required: ['dest'],
    properties: {
      src: {
        title: 'Source',
        description: 'A file or directory in files/ beside the playbook; dir/ copies its contents, dir the dir.',
        type: 'string',
        minLength: 1,
      },
      content: { title: 'Content', description: 'The file content, rendered for the host.', type: 'string' },
      dest: {
        title: 'Destination',
        description: 'Remote path; ending in / means a directory (src keeps its name).',
        type: 'string',
        minLength: 1,
      },
      mode: modeSchema(),
      force: {
        title: 'Force',
        description: 'Replace a different existing file (default true); false: only create.',
        type: 'boolean',
      },
      ...ownership('file'),
      backup: BACKUP_REPLACED,
      validate: VALIDATE,
      directory_mode: {
        ...modeSchema(),
        title: 'Directory mode',
        description: 'Octal permissions of the directories a tree copy makes or finds in the tree.',
        'x-expected': 'octal permissions like "0755" (symbolic modes such as "u+rwx" are not supported)',
      },
      remote_src: {
        title: 'Remote source',
        description: 'src is a file or directory on the host, copied there (compared with cmp, copied with cp).',
        type: 'boolean',
      },
      local_follow: {
        title: 'Follow links',
        description: 'Copy what links in a source tree point to (default for files/); false: copy them as links.',
        type: 'boolean',
      },
    },
  },
  texts: (value: unknown, at: YamlPath) =>
    stringTexts('copy', value, at, ['src', 'content', 'dest', 'owner', 'group', 'validate']),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) => oneOf('copy', ['src', 'content'], value, at, loaded),
  warn: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    isMap(value) ? ['mode', 'directory_mode'].flatMap((k) => riskyOctal(value[k], [...at, k], loaded)) : [],
  parse(value: unknown): CopyAction {
    const v = isMap(value) ? value : {};
    const out: CopyAction = {
      kind: 'copy',
      dest: str(v.dest) ?? '',
      force: bool(v.force, true),
      backup: bool(v.backup),
      remoteSrc: bool(v.remote_src),
    };
    if (v.local_follow !== undefined) out.localFollow = bool(v.local_follow);
    if (v.directory_mode !== undefined) out.directoryMode = permissions(v.directory_mode) ?? String(v.directory_mode);
    for (const f of ['src', 'owner', 'group', 'validate'] as const) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    if (typeof v.content === 'string') out.content = v.content;
    if (v.mode !== undefined) out.mode = permissions(v.mode) ?? String(v.mode);
    return out;
  },
  defaultName: (a) => `copy ${a.dest}`,
  // Defined in the result only when a file was replaced; known to the planner whenever one may be.
  registers: (a) => (a.backup ? { backup_file: '' } : {}),
  preview: (a, host) => {
    const p: CopyPreview = { dest: host.text(['copy.dest', 'copy'], a.dest) };
    if (a.src !== undefined) p.src = host.text(['copy.src', 'copy'], a.src);
    if (a.remoteSrc) p.remote_src = true;
    if (a.content !== undefined) p.bytes = Buffer.byteLength(host.text(['copy.content', 'copy'], a.content));
    return p;
  },
  describe: (_a, p) => [`copy ${p.remote_src ? 'on the host ' : ''}${p.src ?? `(${p.bytes ?? 0} bytes)`} -> ${p.dest}`],
  json: (_a, p) => ({ copy: p }),
  async run(a, task, host): Promise<Outcome> {
    let dest: string;
    let wanted: Source;
    const { kind: _k, dest: _d, src: _s, content: _c, remoteSrc: _r, localFollow: _l, ...placement } = a;
    try {
      dest = host.renderer.text(task, ['copy.dest', 'copy'], a.dest, host.vars);
      if (a.content !== undefined)
        wanted = Buffer.from(host.renderer.text(task, ['copy.content', 'copy'], a.content, host.vars));
      else {
        const src = host.renderer.text(task, ['copy.src', 'copy'], a.src ?? '', host.vars);
        // As Ansible: `dir/` copies what is inside, `dir` the directory itself, under dest.
        const into = (tree: Tree, name: string) =>
          copyTree(host, src.endsWith('/') ? tree : nest(tree, name), dest, placement);
        if (a.remoteSrc) {
          const found = await statPath(host, src);
          if (found.type === 'directory') {
            const root = src.replace(/\/+$/, '') || '/';
            return await into(await remoteTree(host, root, a.localFollow === true), posix.basename(root));
          }
          wanted = { remote: src };
        } else {
          const local = sourcePath(task, src);
          if (statSync(local).isDirectory())
            return await into(localTree(local, a.localFollow !== false), basename(local));
          wanted = readFileSync(local);
        }
        if (dest.endsWith('/')) dest += posix.basename(src);
      }
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('template', message(err)));
    }
    return placeFile(host, dest, wanted, placement);
  },
});
