import nunjucks from 'nunjucks';
import { UndefinedVariable } from './errors.js';
import { lookupStrict } from './lazy-vars.js';

/**
 * Nunjucks, made strict the way Ansible users expect: any variable or attribute that is looked up and not
 * there is an error naming it (not an empty string), except where asking is the point (`x is defined`,
 * `x is undefined`, `x | default(...)`).
 */

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
  rbStrictLookup?: (
    context: NjContext,
    frame: NjFrame,
    name: string,
    line: number,
    col: number,
    tpl: string,
  ) => unknown;
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
    const key =
      node.val?.typename === 'Literal' && typeof node.val.value === 'string'
        ? `.${node.val.value}`
        : `[${describe(node.val)}]`;
    return describe(node.target) + key;
  }
  return '(expression)';
}

let strictInstalled = false;

/** Hooks strict lookups into nunjucks' compiler; only environments created with throwOnUndefined see them. */
export function installStrictUndefined(): void {
  if (strictInstalled) return;
  strictInstalled = true;
  const runtime = nunjucks.runtime as unknown as NjRuntime;
  const proto = (
    (nunjucks as unknown as { compiler: unknown }).compiler as { Compiler: { prototype: Record<string, CompileFn> } }
  ).Compiler.prototype;

  runtime.rbStrictLookup = (context, frame, name, line, col, tpl) => {
    const site = { line: line + 1, col: col + 1, tpl };
    const v = lookupStrict(context as unknown as Parameters<typeof lookupStrict>[0], frame, name, site);
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
      `runtime.rbStrictLookup(context, frame, ` +
        `${JSON.stringify(name)}, ${node.lineno}, ${node.colno}, ${JSON.stringify(this.templateName ?? '')})`,
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
