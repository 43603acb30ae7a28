import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { findTemplate, templateSearchPath } from '../playbook/template/jail.js';
import { fileSearchPath } from '../playbook/template/lookups.js';
import type { TaskSpec } from '../playbook/types.js';
import { defineAction, type ActionHost } from './action.js';
import { bool, isMap, oneOf, str, stringTexts } from './args.js';
import { done, failed, Interrupted, linkFailure, message, type Outcome } from './outcome.js';
import { octal } from './remote-path.js';
import { TransportError } from '../transport/transport.js';

export type CopyAction = { kind: 'copy'; dest: string; src?: string; content?: string; mode?: string; force: boolean };
type CopyPreview = { dest: string; src?: string; bytes?: number };

/** Where `copy.src` is looked up: `files/` beside the playbook, then the playbook's directory (the lookup jail). */
function sourcePath(task: TaskSpec, src: string): string {
  const playDir = dirname(resolve(task.loc.file));
  const found = findTemplate(fileSearchPath(templateSearchPath(playDir)), src);
  if (!found.ok) throw new Error(found.message.replace(/^template /, 'file '));
  if (statSync(found.path).isDirectory())
    throw new Error(`copying a directory (${src}) is not supported yet; copy its files`);
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
        description: "A file in files/ beside the playbook (or the playbook's directory).",
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
      mode: {
        title: 'File mode',
        description: 'Octal permissions such as "0644".',
        'x-expected': 'octal permissions like "0644"',
        oneOf: [
          { type: 'string', pattern: '^0?[0-7]{3,4}$' },
          { type: 'integer', minimum: 0, maximum: 7777 },
        ],
      },
      force: {
        title: 'Force',
        description: 'Replace a different existing file (default true); false: only create.',
        type: 'boolean',
      },
      backup: { title: 'Backup', description: 'Accepted for compatibility; no backup is kept.', type: 'boolean' },
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('copy', value, at, ['src', 'content', 'dest']),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) => oneOf('copy', ['src', 'content'], value, at, loaded),
  parse(value: unknown): CopyAction {
    const v = isMap(value) ? value : {};
    const out: CopyAction = { kind: 'copy', dest: str(v.dest) ?? '', force: bool(v.force, true) };
    const src = str(v.src);
    if (src !== undefined) out.src = src;
    if (typeof v.content === 'string') out.content = v.content;
    if (v.mode !== undefined) out.mode = octal(String(v.mode));
    return out;
  },
  defaultName: (a) => `copy ${a.dest}`,
  preview: (a, host) => {
    const p: CopyPreview = { dest: host.text(['copy.dest', 'copy'], a.dest) };
    if (a.src !== undefined) p.src = host.text(['copy.src', 'copy'], a.src);
    if (a.content !== undefined) p.bytes = Buffer.byteLength(host.text(['copy.content', 'copy'], a.content));
    return p;
  },
  describe: (_a, p) => [`copy ${p.src ?? `(${p.bytes ?? 0} bytes)`} -> ${p.dest}`],
  json: (_a, p) => ({ copy: p }),
  async run(a, task, host): Promise<Outcome> {
    let dest: string;
    let wanted: Buffer;
    try {
      dest = host.renderer.text(task, ['copy.dest', 'copy'], a.dest, host.vars);
      if (a.content !== undefined)
        wanted = Buffer.from(host.renderer.text(task, ['copy.content', 'copy'], a.content, host.vars));
      else {
        const src = host.renderer.text(task, ['copy.src', 'copy'], a.src ?? '', host.vars);
        wanted = readFileSync(sourcePath(task, src));
        if (dest.endsWith('/')) dest += basename(src);
      }
    } catch (err) {
      return failed('template', message(err));
    }
    return put(host, dest, wanted, a);
  },
});

async function put(host: ActionHost, dest: string, wanted: Buffer, a: CopyAction): Promise<Outcome> {
  const { session, timeoutMs } = host;
  try {
    const current = await host.bounded(() => session.readFile(dest, { timeoutMs }));
    if (current !== null && (!a.force || current.equals(wanted))) {
      if (a.mode === undefined) return done('ok');
      const found = await host.bounded(() => session.stat(dest, { timeoutMs }));
      if (found !== null && found.mode === (parseInt(a.mode, 8) & 0o7777)) return done('ok');
      const outcome = done('changed', { stdout: `mode ${a.mode}` });
      if (host.diff || host.check)
        outcome.diff = `--- ${dest}\n+++ ${dest}\n-mode ${found?.mode.toString(8).padStart(4, '0')}\n+mode ${a.mode}\n`;
      if (!host.check) await host.bounded(() => session.chmod(dest, a.mode!, { timeoutMs }));
      return outcome;
    }
    const outcome = done('changed');
    if (host.diff || host.check) {
      const { createTwoFilesPatch } = await import('diff');
      const text = (b: Buffer | null): string =>
        b === null ? '' : b.includes(0) ? `(binary, ${b.length} bytes)\n` : b.toString('utf8');
      outcome.diff = createTwoFilesPatch(dest, dest, text(current), text(wanted));
    }
    if (!host.check)
      await host.bounded(() => session.writeFile(dest, wanted, { timeoutMs, ...(a.mode ? { mode: a.mode } : {}) }));
    return outcome;
  } catch (err) {
    const link = err instanceof TransportError || err instanceof Interrupted;
    return link
      ? linkFailure(err, host.stopped, () => failed('command', message(err)))
      : failed('command', `${dest}: ${message(err)}`);
  }
}
