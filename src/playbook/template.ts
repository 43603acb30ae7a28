import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import nunjucks from 'nunjucks';
import { displayPath } from './load.js';
import { findBlockProblem, isBlockError } from './template-blocks.js';

/**
 * Nunjucks, made strict the way Ansible users expect: any variable or attribute that is looked up and not
 * there is an error naming it (not an empty string), except where asking is the point (`x is defined`,
 * `x is undefined`, `x | default(...)`).
 */

/** A template or expression could not be rendered; the position is inside `file` (1-based). */
export class RenderError extends Error {
  constructor(
    message: string,
    /** The template file, or the name given to an inline template (a command, an expression). */
    readonly file: string,
    readonly line: number,
    readonly col: number,
    /** The missing variable, when that is what went wrong. */
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

/** Thrown from inside compiled templates; nunjucks wraps it, `toRenderError` unwraps it. */
class UndefinedVariable extends Error {
  constructor(
    readonly variable: string,
    readonly template: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`undefined variable "${variable}"`);
  }
}

// Minimal shapes of the nunjucks internals the strict mode hooks into (they are untyped upstream).
interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  target?: NjNode;
  val?: NjNode;
  left?: NjNode;
  right?: NjNode & { name?: NjNode };
  name?: NjNode;
  args?: NjNode & { children: NjNode[] };
  children?: NjNode[];
  fields?: string[];
}
interface NjFrame {
  lookup(name: string): unknown;
}
interface NjContext {
  lookup(name: string): unknown;
}
interface NjCompiler {
  throwOnUndefined: boolean;
  templateName: string;
  _emit(code: string): void;
  _compileExpression(node: NjNode, frame: NjFrame): void;
  compile(node: NjNode, frame: NjFrame): void;
  _rbLax?: number;
  _rbLaxRoot?: NjNode | null;
}
type CompileFn = (this: NjCompiler, node: NjNode, frame: NjFrame) => void;
interface NjRuntime {
  contextOrFrameLookup(context: NjContext, frame: NjFrame, name: string): unknown;
  memberLookup(obj: unknown, key: unknown): unknown;
  rbStrictLookup?: (context: NjContext, frame: NjFrame, name: string, line: number, col: number, tpl: string) => unknown;
  rbStrictMember?: (obj: unknown, key: unknown, line: number, col: number, tpl: string, what: string) => unknown;
}

const PYTHON_LITERALS: Record<string, unknown> = { True: true, False: false, None: null };
const DICT_METHODS = new Set(['items', 'keys', 'values']);

/** Readable name of a lookup chain (`peers.stdout`), for messages. */
function describe(node: NjNode | undefined): string {
  if (!node) return '?';
  if (node.typename === 'Symbol') return String(node.value);
  if (node.typename === 'Literal') return String(node.value);
  if (node.typename === 'LookupVal') {
    const key = node.val?.typename === 'Literal' && typeof node.val.value === 'string' ? `.${node.val.value}` : `[${describe(node.val)}]`;
    return describe(node.target) + key;
  }
  return '(expression)';
}

let strictInstalled = false;

/** Hooks strict lookups into nunjucks' compiler; only environments created with throwOnUndefined see them. */
function installStrictUndefined(): void {
  if (strictInstalled) return;
  strictInstalled = true;
  const runtime = nunjucks.runtime as unknown as NjRuntime;
  const proto = ((nunjucks as unknown as { compiler: unknown }).compiler as { Compiler: { prototype: Record<string, CompileFn> } }).Compiler.prototype;

  runtime.rbStrictLookup = (context, frame, name, line, col, tpl) => {
    const v = runtime.contextOrFrameLookup(context, frame, name);
    if (v !== undefined) return v;
    if (name in PYTHON_LITERALS) return PYTHON_LITERALS[name];
    throw new UndefinedVariable(name, tpl, line + 1, col + 1);
  };
  runtime.rbStrictMember = (obj, key, line, col, tpl, what) => {
    const v = runtime.memberLookup(obj, key);
    if (v !== undefined) return v;
    if (obj && typeof obj === 'object' && !Array.isArray(obj) && typeof key === 'string' && DICT_METHODS.has(key)) {
      // Ansible playbooks iterate `dict.items()`; give plain objects the Python dict methods.
      const o = obj as Record<string, unknown>;
      return key === 'items' ? () => Object.entries(o) : key === 'keys' ? () => Object.keys(o) : () => Object.values(o);
    }
    throw new UndefinedVariable(what, tpl, line + 1, col + 1);
  };

  const lax = (c: NjCompiler, node: NjNode): boolean => (c._rbLax ?? 0) > 0 || c._rbLaxRoot === node;
  const withLax = (c: NjCompiler, fn: () => void): void => {
    c._rbLax = (c._rbLax ?? 0) + 1;
    try {
      fn();
    } finally {
      c._rbLax -= 1;
    }
  };

  const origSymbol = proto.compileSymbol!;
  proto.compileSymbol = function (node, frame) {
    const name = String(node.value);
    if (!this.throwOnUndefined || lax(this, node) || frame.lookup(name)) return origSymbol.call(this, node, frame);
    this._emit(
      `runtime.rbStrictLookup(context, frame, ${JSON.stringify(name)}, ${node.lineno}, ${node.colno}, ${JSON.stringify(this.templateName ?? '')})`,
    );
  };

  const origLookupVal = proto.compileLookupVal!;
  proto.compileLookupVal = function (node, frame) {
    if (!this.throwOnUndefined) return origLookupVal.call(this, node, frame);
    if (lax(this, node)) return withLax(this, () => origLookupVal.call(this, node, frame));
    this._emit('runtime.rbStrictMember((');
    this._compileExpression(node.target!, frame);
    this._emit('),');
    this._compileExpression(node.val!, frame);
    this._emit(
      `, ${node.lineno}, ${node.colno}, ${JSON.stringify(this.templateName ?? '')}, ${JSON.stringify(describe(node))})`,
    );
  };

  const origIs = proto.compileIs!;
  proto.compileIs = function (node, frame) {
    const test = node.right?.name ? node.right.name.value : node.right?.value;
    if (this.throwOnUndefined && (test === 'defined' || test === 'undefined')) {
      return withLax(this, () => origIs.call(this, node, frame));
    }
    return origIs.call(this, node, frame);
  };

  const origFilter = proto.compileFilter!;
  proto.compileFilter = function (node, frame) {
    const name = node.name?.value;
    if (this.throwOnUndefined && (name === 'default' || name === 'd')) {
      const saved = this._rbLaxRoot ?? null;
      this._rbLaxRoot = node.args?.children[0] ?? null;
      try {
        return origFilter.call(this, node, frame);
      } finally {
        this._rbLaxRoot = saved;
      }
    }
    return origFilter.call(this, node, frame);
  };
}

/** Python's truth, as Ansible conditions use it: empty lists, dicts and strings are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return v instanceof Map || v instanceof Set ? v.size > 0 : Object.keys(v).length > 0;
  return Boolean(v);
}

function registeredFlag(flag: 'changed' | 'failed' | 'skipped') {
  return (v: unknown): boolean => Boolean(v && typeof v === 'object' && (v as Record<string, unknown>)[flag]);
}

/** The play's template path: `templates/` beside the playbook, then `../templates/` from it. */
export function templateSearchPath(playDir: string): string[] {
  return [resolve(playDir, 'templates'), resolve(playDir, '..', 'templates')];
}

export type TemplateLookup =
  | { ok: true; path: string }
  | { ok: false; reason: 'escapes' | 'missing'; message: string };

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Finds `src` in the template path. A name that leaves it — `..`, an absolute path, or a symlink whose target
 * is outside — is refused even when the file exists, so a playbook can never push arbitrary local files.
 */
export function findTemplate(searchPath: string[], src: string): TemplateLookup {
  const shown = searchPath.map((d) => displayPath(d) + sep).join(', ');
  if (src.trim() === '') return { ok: false, reason: 'missing', message: 'template src is empty' };
  if (isAbsolute(src) || normalize(src).split(/[\\/]/).includes('..')) {
    return { ok: false, reason: 'escapes', message: `template "${src}" leaves the template path (${shown})` };
  }
  for (const root of searchPath) {
    const candidate = join(root, src);
    if (!existsSync(candidate)) continue;
    const real = realOrSelf(candidate);
    if (!inside(realOrSelf(root), real)) {
      return { ok: false, reason: 'escapes', message: `template "${src}" is a link that leaves the template path (${shown})` };
    }
    return { ok: true, path: candidate };
  }
  return { ok: false, reason: 'missing', message: `template "${src}" not found in the template path (${shown})` };
}

/** Serves templates only from the template path; `{% include %}` goes through here too. */
class TemplatePathLoader extends nunjucks.Loader {
  constructor(private readonly searchPath: string[]) {
    super();
  }

  private findAbsolute(path: string): TemplateLookup {
    for (const root of this.searchPath) {
      if (inside(root, path)) return findTemplate([root], relative(root, path));
    }
    return { ok: false, reason: 'escapes', message: `template "${displayPath(path)}" leaves the template path` };
  }

  getSource(name: string): nunjucks.LoaderSource {
    // Includes relative to a template arrive as absolute paths; name them as the user would.
    const found = isAbsolute(name) ? this.findAbsolute(name) : findTemplate(this.searchPath, name);
    if (!found.ok) throw new Error(found.message);
    return { src: readFileSync(found.path, 'utf8'), path: found.path, noCache: false };
  }
}

/**
 * Turns whatever nunjucks threw into a RenderError with a file, a line and a column. `source`, when given, is
 * the text that failed to compile: an unclosed block is then located where it opened.
 */
function toRenderError(err: unknown, fallbackFile: string, source?: string): RenderError {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof UndefinedVariable) {
      const file = e.template || fallbackFile;
      return new RenderError(e.message, isAbsolute(file) ? displayPath(file) : file, e.line, e.col, e.variable);
    }
    e = (e as { cause?: unknown }).cause;
  }
  const te = err as { message?: string; lineno?: number; colno?: number; cause?: { message?: string } };
  const raw = String(te.cause?.message ?? te.message ?? err);
  // Nunjucks prefixes "(path) [Line l, Column c]"; keep the position, drop the decoration.
  const pos = /\[Line (\d+)(?:, Column (\d+))?\]/.exec(raw);
  const path = /^\((.+?)\)/.exec(raw)?.[1];
  const message = raw
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^\(.*\)( \[Line.*\])?$/.test(l))
    .join(' ')
    .replace(/^(Template render error|Error): /, '')
    .replace(/^\(.*?\)( \[Line[^\]]*\])?\s*/, '');
  const line = Math.max(1, te.lineno ?? (pos ? Number(pos[1]) : 1));
  const col = Math.max(1, te.colno ?? (pos?.[2] ? Number(pos[2]) : 1));
  const named = path && path !== 'unknown path' ? path : fallbackFile;
  const file = isAbsolute(named) ? displayPath(named) : named;
  const block = source !== undefined && isBlockError(message) ? findBlockProblem(source) : null;
  if (block) return new RenderError(block.message, file, block.line, block.col);
  return new RenderError(message === 'attempted to output null or undefined value' ? 'output is null or undefined' : message, file, line, col);
}

/**
 * One strict Nunjucks environment per template path. Compiled templates and inline strings are cached, so
 * rendering the same template for 10,000 hosts compiles it once.
 */
export class TemplateEngine {
  readonly env: nunjucks.Environment;
  private readonly inline = new Map<string, nunjucks.Template>();

  constructor(readonly searchPath: string[]) {
    installStrictUndefined();
    // dev: keep nunjucks' own error objects (with positions and causes) instead of flattened copies.
    this.env = new nunjucks.Environment(new TemplatePathLoader(searchPath), { autoescape: false, throwOnUndefined: true, dev: true });
    this.env.addFilter('rb_truth', (v: unknown) => (truthy(v) ? 'true' : 'false'));
    this.env.addFilter('bool', (v: unknown) => (typeof v === 'string' ? /^(true|yes|on|1)$/i.test(v.trim()) : truthy(v)));
    // Ansible's tests on registered results: `when: result is changed`.
    const tests = this.env as unknown as { addTest(name: string, fn: (v: unknown) => boolean): void };
    tests.addTest('changed', registeredFlag('changed'));
    tests.addTest('failed', registeredFlag('failed'));
    tests.addTest('skipped', registeredFlag('skipped'));
    const ok = (v: unknown) => !registeredFlag('failed')(v);
    tests.addTest('succeeded', ok);
    tests.addTest('success', ok);
  }

  /** Compiles a template file now, so syntax errors surface without rendering. */
  compileFile(src: string): void {
    const found = findTemplate(this.searchPath, src);
    if (!found.ok) throw new RenderError(found.message, src, 1, 1);
    try {
      this.env.getTemplate(src, true);
    } catch (err) {
      throw toRenderError(err, displayPath(found.path), sourceOf(found.path));
    }
  }

  renderFile(src: string, ctx: Record<string, unknown>): string {
    let tmpl: nunjucks.Template;
    try {
      tmpl = this.env.getTemplate(src, true);
    } catch (err) {
      const found = findTemplate(this.searchPath, src);
      if (!found.ok) throw new RenderError(found.message, src, 1, 1);
      throw toRenderError(err, displayPath(found.path), sourceOf(found.path));
    }
    try {
      return tmpl.render(ctx);
    } catch (err) {
      const e = toRenderError(err, (tmpl as unknown as { path?: string }).path ?? src);
      return rethrowDisplayed(e);
    }
  }

  /** Compiles (once) an inline template such as a command; `name` is how errors name it. */
  compileString(text: string, name: string): nunjucks.Template {
    const key = `${name}\u0000${text}`;
    let t = this.inline.get(key);
    if (!t) {
      try {
        t = new nunjucks.Template(text, this.env, name, true);
      } catch (err) {
        throw toRenderError(err, name, text);
      }
      this.inline.set(key, t);
    }
    return t;
  }

  renderString(text: string, ctx: Record<string, unknown>, name: string): string {
    // Most commands hold no template syntax at all; skip nunjucks for them.
    if (!text.includes('{')) return text;
    const t = this.compileString(text, name);
    try {
      return t.render(ctx);
    } catch (err) {
      throw toRenderError(err, name);
    }
  }
}

/** The text of a template that failed to compile; an error in an included file keeps nunjucks' own words. */
function sourceOf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Template files are named relative to the working directory in every message. */
function rethrowDisplayed(e: RenderError): never {
  const file = isAbsolute(e.file) ? displayPath(e.file) : e.file;
  throw new RenderError(e.message, file, e.line, e.col, e.variable);
}
