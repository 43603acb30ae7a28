import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import type { TaskSpec } from '../playbook/types.js';
import { BACKUP_EDITED, CREATE, pathAliases } from './schema-fragments.js';
import { defineAction, type ActionHost } from './action.js';
import { bool, isMap, oneOf, pathArg, str, stringTexts } from './args.js';
import { editBlock, type BlockInFileArgs } from './blockinfile-edit.js';
import { failed, message, type Outcome } from './outcome.js';
import { editRemoteFile } from './remote-edit.js';

const FIELDS = ['block', 'marker', 'marker_begin', 'marker_end', 'insertafter', 'insertbefore'] as const;

export type BlockInFileAction = {
  kind: 'blockinfile';
  path: string;
  state: 'present' | 'absent';
  create: boolean;
  backup: boolean;
} & {
  [K in (typeof FIELDS)[number]]?: string;
};
type BlockInFilePreview = { path: string; state: string; block?: string };

const text = { type: 'string' } as const;

/** `blockinfile`: a block of lines between marker lines, inserted, replaced or removed as Ansible does it. */
export const blockinfile = defineAction<BlockInFileAction, BlockInFilePreview>({
  schema: {
    title: 'Block in file',
    description: "Keep a marked block of lines in a remote text file, as Ansible's blockinfile; shows a diff.",
    type: 'object',
    additionalProperties: false,
    properties: {
      ...pathAliases('file'),
      block: { ...text, title: 'Block', description: 'The lines between the markers (empty: remove the block).' },
      marker: {
        ...text,
        title: 'Marker',
        description: 'Marker line template with {mark} (default "# {mark} ANSIBLE MANAGED BLOCK").',
      },
      marker_begin: { ...text, title: 'Begin mark', description: 'Replaces {mark} in the first marker (BEGIN).' },
      marker_end: { ...text, title: 'End mark', description: 'Replaces {mark} in the last marker (END).' },
      state: { title: 'State', description: 'present (default) or absent.', enum: ['present', 'absent'] },
      insertafter: { ...text, title: 'Insert after', description: 'Regex or EOF (default): where a new block goes.' },
      insertbefore: { ...text, title: 'Insert before', description: 'Regex or BOF: where a new block goes.' },
      create: CREATE,
      backup: BACKUP_EDITED,
    },
  },
  texts: (value: unknown, at: YamlPath) => stringTexts('blockinfile', value, at, ['path', 'dest', 'name', ...FIELDS]),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) =>
    oneOf('blockinfile', ['path', 'dest', 'name'], value, at, loaded),
  parse(value: unknown): BlockInFileAction {
    const v = isMap(value) ? value : {};
    const out: BlockInFileAction = {
      kind: 'blockinfile',
      path: pathArg(v),
      state: v.state === 'absent' ? 'absent' : 'present',
      create: bool(v.create),
      backup: bool(v.backup),
    };
    for (const f of FIELDS) {
      const s = str(v[f]);
      if (s !== undefined) out[f] = s;
    }
    return out;
  },
  defaultName: (a) => `blockinfile ${a.path}`,
  // Defined in the result only when a file was replaced; known to the planner whenever one may be.
  registers: (a) => (a.backup ? { backup_file: '' } : {}),
  preview: (a, host) => {
    const p: BlockInFilePreview = { path: host.text(['blockinfile.path', 'blockinfile'], a.path), state: a.state };
    if (a.block !== undefined) p.block = host.text(['blockinfile.block', 'blockinfile'], a.block);
    return p;
  },
  describe: (_a, p, redact) => [
    `blockinfile ${p.path}: ${p.state}`,
    ...(p.block ?? '')
      .replace(/\n$/, '')
      .split('\n')
      .filter(Boolean)
      .map((l) => `| ${redact(l)}`),
  ],
  json: (_a, p, redact) => ({ blockinfile: { ...p, ...(p.block !== undefined ? { block: redact(p.block) } : {}) } }),
  async run(a, task, host): Promise<Outcome> {
    let path: string;
    let args: BlockInFileArgs;
    try {
      ({ path, args } = renderArgs(a, task, host));
    } catch (err) {
      return failed('template', message(err));
    }
    return editRemoteFile(host, path, (content) => editBlock(path, content, args), a.backup);
  },
});

function renderArgs(a: BlockInFileAction, task: TaskSpec, host: ActionHost): { path: string; args: BlockInFileArgs } {
  const r = (field: string, s: string): string =>
    host.renderer.text(task, [`blockinfile.${field}`, 'blockinfile'], s, host.vars);
  const args: BlockInFileArgs = { state: a.state, create: a.create };
  for (const f of FIELDS) {
    const s = a[f];
    if (s !== undefined) args[f] = r(f, s);
  }
  return { path: r('path', a.path), args };
}
