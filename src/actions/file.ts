import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { shellQuote } from '../playbook/template/ansible-filters.js';
import type { TaskSpec } from '../playbook/types.js';
import { modeSchema, ownership, pathAliases } from './schema-fragments.js';
import { defineAction, type ActionHost } from './action.js';
import { bool, isMap, oneOf, pathArg, str, stringTexts } from './args.js';
import { done, failed, Interrupted, linkFailure, message, type Outcome } from './outcome.js';
import { change, statPath, type RemotePath } from './remote-path.js';
import { permissions, riskyOctal } from './file-mode.js';
import { TransportError } from '../transport/transport.js';

type FileState = 'file' | 'directory' | 'absent' | 'touch' | 'link' | 'hard';

export type FileAction = {
  kind: 'file';
  path: string;
  state?: FileState;
  src?: string;
  mode?: string;
  owner?: string;
  group?: string;
  recurse: boolean;
};
type FilePreview = { path: string; state: string };

/**
 * `file`: a remote path's state (file, directory, absent, touch, link, hard) and its mode, owner and group,
 * as Ansible's file module; changes only what differs, reports what would change under --check.
 */
export const file = defineAction<FileAction, FilePreview>({
  schema: {
    title: 'File',
    description: 'Ensure a remote path is a directory, a link, absent, touched, with a mode/owner/group.',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...pathAliases('path'),
      state: {
        title: 'State',
        description: 'file (default: must exist), directory, absent, touch, link or hard.',
        enum: ['file', 'directory', 'absent', 'touch', 'link', 'hard'],
      },
      src: { title: 'Link target', description: 'What a link (state link or hard) points to.', type: 'string' },
      mode: modeSchema(),
      ...ownership('path'),
      recurse: { title: 'Recurse', description: 'Apply mode/owner/group to a directory tree.', type: 'boolean' },
    },
  },
  texts: (value: unknown, at: YamlPath) =>
    stringTexts('file', value, at, ['path', 'dest', 'name', 'src', 'owner', 'group']),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    oneOf('file', ['path', 'dest', 'name'], value, at, loaded),
  warn: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    isMap(value) ? riskyOctal(value.mode, [...at, 'mode'], loaded) : [],
  parse(value: unknown): FileAction {
    const v = isMap(value) ? value : {};
    const out: FileAction = {
      kind: 'file',
      path: pathArg(v),
      recurse: bool(v.recurse),
    };
    if (typeof v.state === 'string') out.state = v.state as FileState;
    for (const f of ['src', 'owner', 'group'] as const) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    if (v.mode !== undefined) out.mode = permissions(v.mode) ?? String(v.mode);
    return out;
  },
  defaultName: (a) => `file ${a.path}`,
  preview: (a, host) => ({ path: host.text(['file.path', 'file'], a.path), state: a.state ?? 'file' }),
  describe: (a, p) => [`file ${p.path}: ${p.state}${a.mode ? ` mode ${a.mode}` : ''}`],
  json: (a, p) => ({ file: { ...p, ...(a.mode ? { mode: a.mode } : {}) } }),
  async run(a, task, host): Promise<Outcome> {
    let args: FileAction;
    try {
      args = render(a, task, host);
    } catch (err) {
      return failed('template', message(err));
    }
    try {
      return await ensure(host, args);
    } catch (err) {
      const link = err instanceof TransportError || err instanceof Interrupted;
      return link
        ? linkFailure(err, host.stopped, () => failed('command', message(err)))
        : failed('command', `${args.path}: ${message(err)}`);
    }
  },
});

function render(a: FileAction, task: TaskSpec, host: ActionHost): FileAction {
  const r = (field: string, s: string): string => host.renderer.text(task, [`file.${field}`, 'file'], s, host.vars);
  const out: FileAction = { ...a, path: r('path', a.path) };
  for (const f of ['src', 'owner', 'group'] as const) {
    const s = a[f];
    if (s !== undefined) out[f] = r(f, s);
  }
  return out;
}

/** Works out what differs, then (outside --check) changes exactly that. */
async function ensure(host: ActionHost, a: FileAction): Promise<Outcome> {
  const q = shellQuote(a.path);
  const before = await statPath(host, a.path);
  const state: FileState = a.state ?? (before.exists ? (before.type === 'directory' ? 'directory' : 'file') : 'file');
  const steps: { what: string; command: string }[] = [];
  switch (state) {
    case 'absent':
      if (before.exists) steps.push({ what: `remove ${a.path}`, command: `rm -rf -- ${q}` });
      break;
    case 'directory':
      if (!before.exists) steps.push({ what: `create directory ${a.path}`, command: `mkdir -p -- ${q}` });
      else if (before.type !== 'directory') return failed('command', `${a.path} already exists as a ${before.type}`);
      break;
    case 'file':
      if (!before.exists) return failed('command', `file (${a.path}) is absent, cannot continue`);
      break;
    case 'touch':
      // As in Ansible, touching always changes the times, so it always reports a change.
      steps.push({ what: `touch ${a.path}`, command: `touch -- ${q}` });
      break;
    case 'link':
    case 'hard': {
      if (a.src === undefined) return failed('command', `src is required for state=${state}`);
      const s = shellQuote(a.src);
      if (state === 'link' && (before.type !== 'link' || before.target !== a.src)) {
        if (before.type === 'directory') return failed('command', `refusing to convert directory ${a.path} to a link`);
        steps.push({ what: `link ${a.path} -> ${a.src}`, command: `ln -sfn -- ${s} ${q}` });
      }
      if (state === 'hard') {
        const target = await statPath(host, a.src);
        if (!target.exists) return failed('command', `src file does not exist: ${a.src}`);
        if (!before.exists || before.inode !== target.inode)
          steps.push({ what: `hard link ${a.path} -> ${a.src}`, command: `ln -f -- ${s} ${q}` });
      }
      break;
    }
  }
  if (state !== 'absent') steps.push(...(await attributeSteps(host, a, before, state)));
  // Registered as Ansible's file module returns them, for changed_when, failed_when and later tasks.
  const data = { path: a.path, state };
  if (steps.length === 0) return done('ok', { stdout: `${a.path} is as wanted`, data });
  const summary = steps.map((s) => s.what).join('\n');
  const outcome = done('changed', { stdout: summary, data });
  if (host.diff || host.check) outcome.diff = stateDiff(a.path, before, state, a);
  if (!host.check) for (const s of steps) await change(host, s.command);
  return outcome;
}

async function attributeSteps(
  host: ActionHost,
  a: FileAction,
  before: RemotePath,
  state: FileState,
): Promise<{ what: string; command: string }[]> {
  const q = shellQuote(a.path);
  const steps: { what: string; command: string }[] = [];
  const recurse = a.recurse && state === 'directory';
  const fresh = !before.exists || state === 'link' || state === 'hard';
  if (a.mode !== undefined && state !== 'link') {
    const differs = recurse
      ? (
          await host.bounded((signal) =>
            host.session.exec(`find ${q} ! -perm ${a.mode!.slice(-4)} -print -quit`, {
              timeoutMs: host.timeoutMs,
              signal,
            }),
          )
        ).stdout !== ''
      : fresh || before.mode !== a.mode;
    if (differs) steps.push({ what: `mode ${a.mode}`, command: `chmod ${recurse ? '-R ' : ''}${a.mode} -- ${q}` });
  }
  for (const [key, flag] of [
    ['owner', '-user'],
    ['group', '-group'],
  ] as const) {
    const want = a[key];
    if (want === undefined) continue;
    const differs = recurse
      ? (
          await host.bounded((signal) =>
            host.session.exec(`find ${q} ! ${flag} ${shellQuote(want)} -print -quit`, {
              timeoutMs: host.timeoutMs,
              signal,
            }),
          )
        ).stdout !== ''
      : fresh || before[key] !== want;
    const tool = key === 'owner' ? 'chown' : 'chgrp';
    if (differs)
      steps.push({
        what: `${key} ${want}`,
        command: `${tool} ${recurse ? '-R ' : ''}${state === 'link' ? '-h ' : ''}-- ${shellQuote(want)} ${q}`,
      });
  }
  return steps;
}

function stateDiff(path: string, before: RemotePath, state: FileState, a: FileAction): string {
  const was = before.exists ? `${before.type} mode ${before.mode} ${before.owner}:${before.group}` : 'absent';
  const attrs = [a.mode ? `mode ${a.mode}` : '', a.owner || a.group ? `${a.owner ?? ''}:${a.group ?? ''}` : '']
    .filter(Boolean)
    .join(' ');
  return `--- ${path}\n+++ ${path}\n-state: ${was}\n+state: ${state}${attrs ? ` ${attrs}` : ''}\n`;
}
