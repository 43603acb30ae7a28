import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { permissions, riskyOctal } from './file-mode.js';
import { BACKUP_REPLACED, modeSchema, ownership, VALIDATE } from './schema-fragments.js';
import { defineAction } from './action.js';
import { bool, isMap, str } from './args.js';
import { failed, message, type Outcome } from './outcome.js';
import { type Placement, placeFile } from './remote-file.js';
import { newlineSequence } from '../playbook/template/newlines.js';

export type TemplateArgs = {
  kind: 'template';
  src: string;
  dest: string;
  newline_sequence?: string;
} & Placement;
type TemplatePreview = { template: { src: string; dest: string; content: string; mode?: string } };

function isTemplated(src: string): boolean {
  return src.includes('{{') || src.includes('{%');
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
      mode: modeSchema(),
      ...ownership('file'),
      backup: BACKUP_REPLACED,
      validate: VALIDATE,
      force: { title: 'Force', description: 'Replace a different existing file (default true).', type: 'boolean' },
      newline_sequence: {
        title: 'Newline sequence',
        description: "Line ends of the template's own text (values keep theirs), as Jinja2's newline_sequence.",
        enum: ['\\n', '\\r', '\\r\\n', '\n', '\r', '\r\n'],
      },
    },
  },

  texts(value: unknown, at: YamlPath) {
    if (!isMap(value)) return [];
    const out = [];
    if (typeof value.src === 'string')
      out.push({ field: 'template.src', text: value.src, path: [...at, 'src'], expression: false, afterRun: false });
    for (const f of ['owner', 'group', 'validate'] as const) {
      const v = value[f];
      if (typeof v === 'string')
        out.push({ field: `template.${f}`, text: v, path: [...at, f], expression: false, afterRun: false });
    }
    if (typeof value.dest === 'string')
      out.push({ field: 'template.dest', text: value.dest, path: [...at, 'dest'], expression: false, afterRun: false });
    return out;
  },
  warn: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    isMap(value) ? riskyOctal(value.mode, [...at, 'mode'], loaded) : [],
  parse(value: unknown): TemplateArgs {
    const t = isMap(value) ? value : {};
    const action: TemplateArgs = {
      kind: 'template',
      src: String(t.src),
      dest: String(t.dest),
    };
    if (t.backup !== undefined) action.backup = bool(t.backup);
    if (t.force !== undefined) action.force = bool(t.force, true);
    if (t.mode !== undefined) action.mode = permissions(t.mode) ?? String(t.mode);
    for (const f of ['owner', 'group', 'validate', 'newline_sequence'] as const) {
      const v = str(t[f]);
      if (v !== undefined) action[f] = v;
    }
    return action;
  },
  defaultName: (a) => `template ${a.dest}`,
  // Defined in the result only when a file was replaced; known to the planner whenever one may be.
  registers: (a) => (a.backup ? { backup_file: '' } : {}),

  // A templated src names its file per host; the preview and the run look it up, under the same jail.
  prepare: (a, checks) => isTemplated(a.src) || checks.template(['template.src', 'template'], a.src),
  preview(a, host, usable) {
    const shown: TemplatePreview['template'] = { src: a.src, dest: a.dest, content: '' };
    if (a.mode !== undefined) shown.mode = a.mode;
    shown.dest = host.text(['template.dest', 'template'], a.dest);
    shown.src = host.text(['template.src', 'template'], a.src);
    if (usable) shown.content = host.file(['template.src', 'template'], shown.src) ?? '';
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
      const src = host.renderer.text(task, ['template.src', 'template'], a.src, host.vars);
      const newline = newlineSequence(a.newline_sequence);
      content = host.renderer.file(task, ['template.src', 'template'], src, host.vars, newline);
    } catch (err) {
      return failed('template', message(err));
    }
    const { newline_sequence: _n, kind: _k, src: _s, dest: _d, ...placement } = a;
    return placeFile(host, dest, Buffer.from(content, 'utf8'), placement);
  },
});
