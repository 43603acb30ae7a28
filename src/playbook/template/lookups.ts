import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { splitArgs } from './methods.js';
import { PyError, pyStr, pyTruth } from './python.js';

/**
 * `lookup(...)`, `query(...)` / `q(...)`: the lookups a playbook may use on the controller. Templates are
 * hostile input, so `file` and `template` read only inside the playbook's own directories, through the same
 * jail as template `src` (no `..`, no absolute path, no symlink out); `env` reads the controller's
 * environment, as in Ansible. Nothing else is offered: no `pipe`, no `url`, no `password` files.
 */

type FindFile = (searchPath: string[], name: string) => { ok: true; path: string } | { ok: false; message: string };

export interface LookupContext {
  /** The template path; `lookup('file')` searches `files/` beside each entry, then the playbook directory. */
  searchPath: string[];
  find: FindFile;
  /** Renders a template file from the template path with the caller's variables. */
  renderTemplate(name: string, vars: Record<string, unknown>): string;
}

type LookupPlugin = (
  terms: unknown[],
  kw: Record<string, unknown>,
  vars: Record<string, unknown>,
  ctx: LookupContext,
) => unknown[];

/** Where `lookup('file')` looks: `files/` then the playbook directory, for each template path entry's parent. */
export function fileSearchPath(searchPath: string[]): string[] {
  const dirs = searchPath.map((t) => dirname(t));
  return [...dirs.map((d) => resolve(d, 'files')), ...dirs];
}

const PLUGINS: Record<string, LookupPlugin> = {
  env: (terms, kw) =>
    terms.map((t) => {
      const v = process.env[pyStr(t)];
      return v !== undefined ? v : (kw.default ?? '');
    }),
  file: (terms, kw, _vars, ctx) =>
    terms.map((t) => {
      const found = ctx.find(fileSearchPath(ctx.searchPath), pyStr(t));
      if (!found.ok) throw new PyError('Error', `lookup('file'): ${found.message.replace(/^template /, 'file ')}`);
      let text = readFileSync(found.path, 'utf8');
      if (kw.rstrip === undefined || pyTruth(kw.rstrip)) text = text.replace(/\s+$/, '');
      if (pyTruth(kw.lstrip ?? false)) text = text.replace(/^\s+/, '');
      return text;
    }),
  template: (terms, _kw, vars, ctx) => terms.map((t) => ctx.renderTemplate(pyStr(t), vars)),
  items: (terms) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])),
  list: (terms) => terms,
  indexed_items: (terms) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])).map((x, i) => [i, x]),
  dict: (terms) =>
    terms.flatMap((t) => {
      if (!t || typeof t !== 'object' || Array.isArray(t)) throw new PyError('Error', 'with_dict expects a dict');
      return Object.entries(t as Record<string, unknown>).map(([key, value]) => ({ key, value }));
    }),
  vars: (terms, kw, vars) =>
    terms.map((t) => {
      const name = pyStr(t);
      if (Object.hasOwn(vars, name)) return vars[name];
      if (kw.default !== undefined) return kw.default;
      throw new PyError('Error', `No variable found with this name: ${name}`);
    }),
};

export const LOOKUP_NAMES = new Set(Object.keys(PLUGINS).flatMap((n) => [n, `ansible.builtin.${n}`]));

function run(
  name: unknown,
  args: unknown[],
  vars: Record<string, unknown>,
  ctx: LookupContext,
): { list: unknown[]; wantlist: boolean } {
  const plugin = PLUGINS[pyStr(name).replace(/^ansible\.builtin\./, '')];
  if (!plugin) throw new PyError('Error', `lookup plugin (${pyStr(name)}) not found`);
  const { pos, kw } = splitArgs(args);
  const wantlist = pyTruth(kw.wantlist ?? false);
  delete kw.wantlist;
  const errors = pyStr(kw.errors ?? 'strict');
  delete kw.errors;
  try {
    return { list: plugin(pos, kw, vars, ctx), wantlist };
  } catch (err) {
    if (errors === 'ignore') return { list: [], wantlist };
    throw err;
  }
}

interface CallContext {
  getVariables(): Record<string, unknown>;
}

/** The `lookup`, `query` and `q` globals for one template environment. */
export function lookupGlobals(ctx: LookupContext): Record<string, (this: CallContext, ...args: unknown[]) => unknown> {
  const vars = (c: CallContext | undefined): Record<string, unknown> => c?.getVariables?.() ?? {};
  return {
    lookup(this: CallContext, name: unknown, ...args: unknown[]) {
      const { list, wantlist } = run(name, args, vars(this), ctx);
      if (wantlist) return list;
      // Ansible joins a lookup's results with commas unless a list is asked for.
      return list.length === 1 ? list[0] : list.map(pyStr).join(',');
    },
    query(this: CallContext, name: unknown, ...args: unknown[]) {
      return run(name, args, vars(this), ctx).list;
    },
    q(this: CallContext, name: unknown, ...args: unknown[]) {
      return run(name, args, vars(this), ctx).list;
    },
  };
}
