import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { BACKUP_EDITED, CREATE, pathAliases } from './schema-fragments.js';
import { defineAction, type ActionHost } from './action.js';
import { bool, isMap, oneOf, pathArg, str, stringTexts } from './args.js';
import { editLines, type LineInFileArgs } from './lineinfile-edit.js';
import { failed, message, type Outcome } from './outcome.js';
import { editRemoteFile } from './remote-edit.js';
import type { TaskSpec } from '../playbook/types.js';

const TEXT_FIELDS = ['path', 'line', 'regexp', 'search_string', 'insertafter', 'insertbefore'] as const;

/** The edit's arguments as written (templates unrendered), its flags always set. */
export type LineInFileAction = { kind: 'lineinfile'; path: string; backup: boolean } & LineInFileArgs &
  Required<Pick<LineInFileArgs, 'backrefs' | 'firstmatch' | 'create'>>;
type LineInFilePreview = { path: string; state: string; line?: string; regexp?: string };

const text = { type: 'string' } as const;

/** `lineinfile`: one line present (replaced where `regexp` matches) or absent, as Ansible's module edits it. */
export const lineinfile = defineAction<LineInFileAction, LineInFilePreview>({
  schema: {
    title: 'Line in file',
    description: "Ensure a line is in a remote text file (or absent), as Ansible's lineinfile; shows a diff.",
    type: 'object',
    additionalProperties: false,
    properties: {
      ...pathAliases('file'),
      line: { ...text, title: 'Line', description: 'The line to have (with backrefs: \\1 from regexp).' },
      regexp: { ...text, title: 'Regular expression', description: 'Python regex of the line to replace or remove.' },
      search_string: { ...text, title: 'Search string', description: 'Literal text of the line to replace.' },
      state: { title: 'State', description: 'present (default) or absent.', enum: ['present', 'absent'] },
      insertafter: {
        ...text,
        title: 'Insert after',
        description: 'Regex, EOF (default) or BOF: where a new line goes.',
      },
      insertbefore: { ...text, title: 'Insert before', description: 'Regex or BOF: where a new line goes.' },
      backrefs: {
        title: 'Back-references',
        description: 'Expand \\1 in line from regexp; no match, no change.',
        type: 'boolean',
      },
      firstmatch: { title: 'First match', description: 'Use the first matching line, not the last.', type: 'boolean' },
      create: CREATE,
      backup: BACKUP_EDITED,
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('lineinfile', value, at, [...TEXT_FIELDS, 'dest', 'name']),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    oneOf('lineinfile', ['path', 'dest', 'name'], value, at, loaded),
  parse(value: unknown): LineInFileAction {
    const v = isMap(value) ? value : {};
    const out: LineInFileAction = {
      kind: 'lineinfile',
      path: pathArg(v),
      state: v.state === 'absent' ? 'absent' : 'present',
      backrefs: bool(v.backrefs),
      firstmatch: bool(v.firstmatch),
      create: bool(v.create),
      backup: bool(v.backup),
    };
    for (const f of ['line', 'regexp', 'search_string', 'insertafter', 'insertbefore'] as const) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    return out;
  },
  defaultName: (a) => `lineinfile ${a.path}`,
  // Defined in the result only when a file was replaced; known to the planner whenever one may be.
  registers: (a) => (a.backup ? { backup_file: '' } : {}),
  preview: (a, host) => {
    const p: LineInFilePreview = { path: host.text(['lineinfile.path', 'lineinfile'], a.path), state: a.state };
    if (a.line !== undefined) p.line = host.text(['lineinfile.line', 'lineinfile'], a.line);
    if (a.regexp !== undefined) p.regexp = a.regexp;
    return p;
  },
  describe: (_a, p, redact) => [`lineinfile ${p.path}: ${p.state}${p.line !== undefined ? ` ${redact(p.line)}` : ''}`],
  json: (_a, p, redact) => ({ lineinfile: { ...p, ...(p.line !== undefined ? { line: redact(p.line) } : {}) } }),
  async run(a, task, host): Promise<Outcome> {
    let args: LineInFileArgs & { path: string };
    try {
      args = renderArgs(a, task, host);
    } catch (err) {
      return failed('template', message(err));
    }
    return editRemoteFile(host, args.path, (content) => editLines(args.path, content, args), a.backup);
  },
});

function renderArgs(a: LineInFileAction, task: TaskSpec, host: ActionHost): LineInFileArgs & { path: string } {
  const r = (field: string, s: string): string =>
    host.renderer.text(task, [`lineinfile.${field}`, 'lineinfile'], s, host.vars);
  const out: LineInFileArgs & { path: string } = {
    path: r('path', a.path),
    state: a.state,
    backrefs: a.backrefs,
    firstmatch: a.firstmatch,
    create: a.create,
  };
  for (const f of ['line', 'regexp', 'search_string', 'insertafter', 'insertbefore'] as const) {
    const s = a[f];
    if (s !== undefined) out[f] = r(f, s);
  }
  return out;
}
