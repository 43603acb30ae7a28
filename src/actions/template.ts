import { diagnostic } from '../playbook/diagnostic.js';
import type { createTwoFilesPatch as Patch } from 'diff';
import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { fileMode } from '../playbook/playbook.js';
import { defineAction } from './action.js';
import { fileDiff } from './file-diff.js';
import { done, failed, Interrupted, linkFailure, message, type Outcome } from './outcome.js';
import { TransportError } from '../transport/transport.js';

export type TemplateArgs = { kind: 'template'; src: string; dest: string; mode?: string };
type TemplatePreview = { template: { src: string; dest: string; content: string; mode?: string } };

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `template: {src, dest, mode}`: a file rendered from the play's template path and uploaded by SFTP only
 * where the remote content (or mode) differs.
 */
export const template = defineAction<TemplateArgs, TemplatePreview>({
  schema: {
    title: 'Template',
    description: 'Render a Nunjucks template and upload it by SFTP only if the remote content differs.',
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: {
        title: 'Template source',
        description: "Looked up in the play's template path: templates/ beside the playbook, then ../templates/.",
        type: 'string',
        minLength: 1,
      },
      dest: { title: 'Destination', description: 'Remote path of the rendered file.', type: 'string', minLength: 1 },
      mode: {
        title: 'File mode',
        description: 'Octal permissions such as "0644".',
        'x-expected': 'octal permissions like "0644"',
        oneOf: [
          { type: 'string', pattern: '^[0-7]{3,4}$' },
          { type: 'integer', minimum: 0, maximum: 7777 },
        ],
      },
    },
  },

  texts(value: unknown, at: YamlPath) {
    if (!isMap(value)) return [];
    const out = [];
    if (typeof value.src === 'string')
      out.push({ field: 'template.src', text: value.src, path: [...at, 'src'], expression: false, afterRun: false });
    if (typeof value.dest === 'string')
      out.push({ field: 'template.dest', text: value.dest, path: [...at, 'dest'], expression: false, afterRun: false });
    return out;
  },
  check(value: unknown, at: YamlPath, loaded: LoadedYaml) {
    const mode = isMap(value) ? value.mode : undefined;
    if (typeof mode === 'number' && fileMode(mode, [...at, 'mode'], loaded) === null) {
      return [diagnostic(loaded.locate([...at, 'mode']), 'mode: expected octal permissions like "0644"')];
    }
    return [];
  },
  parse(value: unknown, at: YamlPath, loaded: LoadedYaml): TemplateArgs {
    const t = isMap(value) ? value : {};
    const action: TemplateArgs = { kind: 'template', src: String(t.src), dest: String(t.dest) };
    if (t.mode !== undefined) action.mode = fileMode(t.mode, [...at, 'mode'], loaded) ?? String(t.mode);
    return action;
  },
  defaultName: (a) => `template ${a.dest}`,

  prepare: (a, checks) => checks.template(['template.src', 'template'], a.src),
  preview(a, host, usable) {
    const shown: TemplatePreview['template'] = { src: a.src, dest: a.dest, content: '' };
    if (a.mode !== undefined) shown.mode = a.mode;
    shown.dest = host.text(['template.dest', 'template'], a.dest);
    if (usable) shown.content = host.file(['template.src', 'template'], a.src) ?? '';
    return { template: shown };
  },
  describe(_a, { template: t }, redact) {
    const mode = t.mode ? ` (mode ${t.mode})` : '';
    const body = redact(t.content)
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => `| ${l}`);
    return [`template ${t.src} -> ${redact(t.dest)}${mode}`, ...body];
  },
  json: (_a, { template: t }, redact) => ({ template: { ...t, dest: redact(t.dest), content: redact(t.content) } }),

  async run(a, task, host): Promise<Outcome> {
    let dest: string;
    let content: string;
    try {
      dest = host.renderer.text(task, ['template.dest', 'template'], a.dest, host.vars);
      content = host.renderer.file(task, ['template.src', 'template'], a.src, host.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    const { session, timeoutMs } = host;
    const mode = a.mode;
    try {
      // Loaded here, not at startup: `validate` and `plan` never make a patch.
      const { createTwoFilesPatch } = await import('diff');
      const current = await host.bounded(() => session.readFile(dest, { timeoutMs }));
      const wanted = Buffer.from(content, 'utf8');
      if (current?.equals(wanted)) {
        const unchanged = done('ok');
        if (mode === undefined) return unchanged;
        // A file whose content is right can still have the wrong permissions; `mode` promises both.
        const found = await host.bounded(() => session.stat(dest, { timeoutMs }));
        const wantedBits = parseInt(mode, 8) & 0o7777;
        if (found !== null && found.mode === wantedBits) return unchanged;
        if (found !== null) {
          const outcome = done('changed');
          if (host.diff || host.check) outcome.diff = modeOnlyDiff(createTwoFilesPatch, dest, found.mode, wantedBits);
          if (!host.check) await host.bounded(() => session.chmod(dest, mode, { timeoutMs }));
          return outcome;
        }
        // Gone between the read and the stat: the upload below puts it back, with its mode.
      }
      const outcome = done('changed');
      if (host.diff || host.check) outcome.diff = await fileDiff(dest, current, wanted);
      if (!host.check)
        await host.bounded(() => session.writeFile(dest, wanted, { timeoutMs, ...(mode ? { mode } : {}) }));
      return outcome;
    } catch (err) {
      const link = err instanceof TransportError || err instanceof Interrupted;
      return link
        ? linkFailure(err, host.stopped, () => failed('template', message(err)))
        : failed('template', `${dest}: ${message(err)}`);
    }
  },
});

function octalMode(bits: number): string {
  return bits.toString(8).padStart(4, '0');
}

/**
 * A patch with headers and no hunks, the mode change on a line of its own before them (where git puts its
 * `old mode`/`new mode` lines), so a reader of --diff sees why an unchanged file was reported changed.
 */
function modeOnlyDiff(createTwoFilesPatch: typeof Patch, dest: string, from: number, to: number): string {
  const patch = createTwoFilesPatch(dest, dest, '', '');
  const at = patch.indexOf('--- ');
  const line = `mode ${octalMode(from)} → ${octalMode(to)}\n`;
  return at < 0 ? line + patch : patch.slice(0, at) + line + patch.slice(at);
}
