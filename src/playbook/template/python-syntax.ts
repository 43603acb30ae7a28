import nunjucks from 'nunjucks';
import { FORBIDDEN_MEMBERS, SandboxViolation, sandboxedMember } from '../sandbox.js';
import { installJinjaGrammar } from './jinja-grammar.js';
import type { Compiler, Frame, Node, Parser } from './nunjucks-internals.js';
import { pySlice, pyGetAttr, toList } from './methods.js';
import {
  PyError,
  PyFloat,
  PyTuple,
  isMapping,
  isNamespace,
  pyBinary,
  pyCompare,
  pyEq,
  pyIn,
  pyNeg,
  pyStr,
  pyTruth,
  typeName,
} from './python.js';

/**
 * Makes nunjucks evaluate templates with Jinja2's (Python's) semantics instead of JavaScript's, so a
 * template renders under runbook exactly as under Ansible: Python truth in `if`/`and`/`or`/`not`, Python
 * equality and `in`, integer vs float arithmetic, `str()` printing (`{'a': 1}`, `True`, `None` as Ansible's
 * finalize prints it: empty), dict literals whose keys are expressions, tuples, iteration over dicts (keys)
 * and strings, `{% for x in xs if cond %}`, `loop.cycle`/`previtem`/`nextitem`, loop-local `{% set %}`,
 * and `{% include [a, b] %}` (first that exists).
 *
 * It rewrites nunjucks' code generator, so every operation goes through a runtime helper below rather than
 * a bare JavaScript operator.
 */

type CompileFn = (this: Compiler, node: Node, frame: Frame, ...rest: unknown[]) => void;
interface Loader {
  rbHas?: (name: string) => boolean;
}
interface Env {
  loaders: Loader[];
}

const LOOKUP_CALLS = new Set(['lookup', 'query', 'q']);
const COMPARE: Record<string, string> = {
  '==': '==',
  '===': '==',
  '!=': '!=',
  '!==': '!=',
  '<': '<',
  '>': '>',
  '<=': '<=',
  '>=': '>=',
};
const BINARY: Record<string, string> = { Add: '+', Sub: '-', Mul: '*', Div: '/', FloorDiv: '//', Mod: '%', Pow: '**' };

/** The value `loop.changed` last saw, per running loop (keyed by the loop's own list). */
const lastChanged = new WeakMap<unknown[], PyTuple>();

/** What the runtime helpers do; compiled templates call them as `runtime.rb*`. */
const helpers = {
  rbOutput(v: unknown): string {
    // Ansible's finalize: None prints as nothing.
    return v === null || v === undefined ? '' : pyStr(v);
  },
  rbTruth: pyTruth,
  rbNot: (v: unknown): boolean => !pyTruth(v),
  rbCmp: (op: string, a: unknown, b: unknown): boolean => pyCompare(op, a, b),
  rbIn: pyIn,
  rbBin: pyBinary,
  rbNeg: pyNeg,
  rbConcat: (a: unknown, b: unknown): string => pyStr(a) + pyStr(b),
  rbFloat: (n: number): PyFloat => new PyFloat(n),
  rbTuple: (...items: unknown[]): PyTuple => PyTuple.of(...items),
  rbDict(pairs: [unknown, unknown][]): Record<string, unknown> {
    const d: Record<string, unknown> = {};
    for (const [k, v] of pairs) {
      if (k !== null && typeof k === 'object') throw new PyError('TypeError', `unhashable type: '${typeName(k)}'`);
      d[pyStr(k)] = v;
    }
    return d;
  },
  /** The sequence a for loop walks, already narrowed by its `if` when it has one. */
  rbIter(v: unknown, keep?: (item: unknown) => boolean): unknown[] {
    if (v === null || v === undefined) throw new PyError('TypeError', `'NoneType' object is not iterable`);
    if (typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) {
      throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
    }
    // A fresh list per loop: `loop.changed` keeps its state on it.
    const items = toList(v);
    return keep ? items.filter(keep) : [...items];
  },
  rbPickTemplate(env: Env, names: unknown): unknown {
    if (!Array.isArray(names)) return names;
    const found = names.find((n) => typeof n === 'string' && env.loaders.some((l) => l.rbHas?.(n)));
    if (found === undefined) throw new PyError('Error', `none of the templates ${pyStr(names)} exist`);
    return found;
  },
  rbTest(
    env: { getTest(name: string): (...a: unknown[]) => unknown },
    name: string,
    value: unknown,
    args: unknown[],
  ): boolean {
    return env.getTest(name)(value, ...args) === true;
  },
  rbSetAttr(target: unknown, key: string, value: unknown): void {
    if (!isNamespace(target)) throw new PyError('Error', 'cannot assign attribute on non-namespace object');
    if (FORBIDDEN_MEMBERS.has(key)) throw new SandboxViolation(`"${key}" cannot be assigned in a template`);
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  },
  /** `a, b = value`: the value's items, exactly as many as names. */
  rbUnpack(value: unknown, count: number): unknown[] {
    const items = toList(value);
    if (items.length > count) throw new PyError('ValueError', `too many values to unpack (expected ${count})`);
    if (items.length < count) {
      throw new PyError('ValueError', `not enough values to unpack (expected ${count}, got ${items.length})`);
    }
    return items;
  },
  /** `loop.changed(value)`: whether the value differs from the one last given in this loop. */
  rbChanged(items: unknown[]) {
    return (...value: unknown[]): boolean => {
      const now = PyTuple.of(...value);
      const last = lastChanged.get(items);
      if (last !== undefined && pyEq(last, now)) return false;
      lastChanged.set(items, now);
      return true;
    };
  },
  rbCycle(index: number) {
    return (...args: unknown[]): unknown => (args.length ? args[index % args.length] : undefined);
  },
  memberLookup(obj: unknown, key: unknown, stop?: unknown, step?: unknown): unknown {
    // Four arguments: a slice, as nunjucks' Jinja compatibility compiles `seq[a:b:c]`.
    if (arguments.length === 4) return pySlice(obj, key, stop, step);
    // The sandbox's refusals come first (names that reach code, members of functions or of non-data objects);
    // what it would answer for strings and lists is JavaScript's, so the answer itself is Python's.
    sandboxedMember(obj, key);
    const v = pyGetAttr(obj, key);
    // Functions held by plain objects (a cycler's `next`) are called with no `this`; bind them to their owner.
    return typeof v === 'function' && isMapping(obj)
      ? (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(obj, args)
      : v;
  },
  /** Lookups read the caller's variables (`lookup('template')`); other calls get no `this` (sandbox). */
  rbCallWithVars(
    fn: unknown,
    name: string,
    context: { getVariables(): Record<string, unknown> },
    args: unknown[],
  ): unknown {
    if (typeof fn !== 'function') throw new Error(`Unable to call \`${name}\`, which is not a function`);
    return (fn as (...a: unknown[]) => unknown).apply({ getVariables: () => context.getVariables() }, args);
  },
};

let installed = false;

export function installPythonSemantics(): void {
  if (installed) return;
  installed = true;
  const nj = nunjucks as unknown as {
    installJinjaCompat(): void;
    runtime: Record<string, unknown>;
    compiler: { Compiler: { prototype: Record<string, CompileFn> } };
    parser: { Parser: { prototype: Record<string, (this: Parser, ...a: unknown[]) => Node> } };
    nodes: Record<string, new (...args: unknown[]) => Node> & { Literal: { prototype: object } };
    lexer: Record<string, string>;
  };
  // Jinja's grammar first: nunjucks' Jinja compatibility wraps the aggregate parser it installs, adding
  // slices (`seq[1:]`); its member lookup is replaced below.
  installJinjaGrammar();
  nj.installJinjaCompat();
  Object.assign(nj.runtime, helpers);
  const proto = nj.compiler.Compiler.prototype;
  // Nodes made up here pass the compiler's expression type check by inheriting from Literal.
  const synth = ({ typename, ...fields }: Node): Node => {
    const n = Object.create(nj.nodes.Literal.prototype) as Node;
    Object.defineProperty(n, 'typename', { value: typename });
    return Object.assign(n, fields);
  };
  const parser = nj.parser.Parser.prototype;
  const lx = nj.lexer;

  // A float literal stays a float even when integral (`2.0`).
  const origPrimary = parser.parsePrimary!;
  parser.parsePrimary = function (noPostfix?: unknown) {
    if (this.peekToken()?.type !== lx.TOKEN_FLOAT) return origPrimary.call(this, noPostfix);
    const node = origPrimary.call(this, true);
    node.rbFloat = true;
    return noPostfix ? node : this.parsePostfix(node);
  };
  const origLiteral = proto.compileLiteral!;
  proto.compileLiteral = function (node, frame) {
    if (node.rbFloat && typeof node.value === 'number' && Number.isInteger(node.value)) {
      this._emit(`runtime.rbFloat(${node.value})`);
      return;
    }
    origLiteral.call(this, node, frame);
  };

  const prevIs = proto.compileIs!;
  proto.compileIs = function (node, frame) {
    const right = node.right!;
    const name = String(right.name ? right.name.value : right.value);
    // defined/undefined keep the strict layer's handling (the tested name may be missing).
    if (name === 'defined' || name === 'undefined') return prevIs.call(this, node, frame);
    this._emit(`runtime.rbTest(env, ${JSON.stringify(name)}, `);
    this._compileExpression(node.left!, frame);
    this._emit(', [');
    (right.args?.children ?? []).forEach((a, i) => {
      if (i) this._emit(', ');
      this.compile(a, frame);
    });
    this._emit('])');
  };

  const call = (c: Compiler, fn: string, frame: Frame, ...args: (Node | string)[]): void => {
    c._emit(`runtime.${fn}(`);
    args.forEach((a, i) => {
      if (i) c._emit(', ');
      if (typeof a === 'string') c._emit(a);
      else c._compileExpression(a, frame);
    });
    c._emit(')');
  };

  proto.compileOutput = function (node, frame) {
    for (const child of node.children ?? []) {
      if (child.typename === 'TemplateData') {
        if (child.value) {
          this._emit(`${(this as unknown as { buffer: string }).buffer} += `);
          origLiteral.call(this, child, frame);
          this._emitLine(';');
        }
        continue;
      }
      this._emit(`${(this as unknown as { buffer: string }).buffer} += runtime.rbOutput(`);
      this.compile(child, frame);
      this._emitLine(');');
    }
  };

  for (const [type, op] of Object.entries(BINARY)) {
    proto[`compile${type}`] = function (node, frame) {
      call(this, 'rbBin', frame, JSON.stringify(op), node.left!, node.right!);
    };
  }
  proto.compileNeg = function (node, frame) {
    call(this, 'rbNeg', frame, node.target!);
  };
  proto.compileConcat = function (node, frame) {
    call(this, 'rbConcat', frame, node.left!, node.right!);
  };
  proto.compileIn = function (node, frame) {
    call(this, 'rbIn', frame, node.left!, node.right!);
  };
  proto.compileNot = function (node, frame) {
    call(this, 'rbNot', frame, node.target!);
  };
  // `a and b` / `a or b` yield an operand, as in Python, and evaluate `b` only when needed.
  proto.compileAnd = function (node, frame) {
    this._emit('((t) => runtime.rbTruth(t) ? (');
    this._compileExpression(node.right!, frame);
    this._emit(') : t)(');
    this._compileExpression(node.left!, frame);
    this._emit(')');
  };
  proto.compileOr = function (node, frame) {
    this._emit('((t) => runtime.rbTruth(t) ? t : (');
    this._compileExpression(node.right!, frame);
    this._emit('))(');
    this._compileExpression(node.left!, frame);
    this._emit(')');
  };
  proto.compileCompare = function (node, frame) {
    // `a < b < c` is `a < b and b < c`.
    let left = node.expr!;
    const parts = node.ops ?? [];
    parts.forEach((op, i) => {
      if (i) this._emit(' && ');
      if (op.type === 'in' || op.type === 'notin') {
        if (op.type === 'notin') this._emit('!');
        call(this, 'rbIn', frame, left, op.expr);
      } else call(this, 'rbCmp', frame, JSON.stringify(COMPARE[op.type] ?? op.type), left, op.expr);
      left = op.expr;
    });
  };
  proto.compileInlineIf = function (node, frame) {
    this._emit('(runtime.rbTruth(');
    this._compileExpression(node.cond!, frame);
    this._emit(') ? (');
    this._compileExpression(node.body!, frame);
    this._emit(') : (');
    if (node.else_) this._compileExpression(node.else_, frame);
    else this._emit('""');
    this._emit('))');
  };
  const origIf = proto.compileIf!;
  proto.compileIf = function (node, frame, ...rest) {
    const cond = synth({ typename: 'RbTruth', lineno: node.lineno, colno: node.colno, target: node.cond });
    const wrapped = Object.assign(Object.create(Object.getPrototypeOf(node) as object) as Node, node, { cond });
    origIf.call(this, wrapped, frame, ...rest);
  };
  // Code made up by the compiler itself (a temporary's name), never template text.
  proto.compileRbCode = function (node) {
    this._emit(String(node.value));
  };
  proto.compileRbTruth = function (node, frame) {
    call(this, 'rbTruth', frame, node.target!);
  };

  proto.compileGroup = function (node, frame) {
    const kids = node.children ?? [];
    if (kids.length === 1 && !node.rbTuple) {
      this._emit('(');
      this._compileExpression(kids[0]!, frame);
      this._emit(')');
      return;
    }
    call(this, 'rbTuple', frame, ...kids);
  };
  const origDict = proto.compileDict!;
  proto.compileDict = function (node, frame) {
    // Keyword arguments reuse the dict node; their keys are names, not expressions.
    if (node.typename === 'KeywordArgs') return origDict.call(this, node, frame);
    this._emit('runtime.rbDict([');
    (node.children ?? []).forEach((pair, i) => {
      if (i) this._emit(', ');
      this._emit('[');
      this._compileExpression(pair.key!, frame);
      this._emit(', ');
      this._compileExpression(pair.value as Node, frame);
      this._emit(']');
    });
    this._emit('])');
  };

  const origFunCall = proto.compileFunCall!;
  proto.compileFunCall = function (node, frame) {
    const callee = node.name!;
    const name = String(callee.value);
    if (callee.typename !== 'Symbol' || !LOOKUP_CALLS.has(name) || frame.lookup(name))
      return origFunCall.call(this, node, frame);
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.rbCallWithVars(`);
    this._compileExpression(callee, frame);
    this._emit(`, ${JSON.stringify(name)}, context, [`);
    ((node.args as Node | undefined)?.children ?? []).forEach((a, i) => {
      if (i) this._emit(', ');
      this.compile(a, frame);
    });
    this._emit(']))');
  };

  const origLookupVal = proto.compileLookupVal!;
  proto.compileLookupVal = function (node, frame) {
    if (node.val?.typename === 'Slice') {
      call(this, 'memberLookup', frame, node.target!, node.val.start!, node.val.stop!, node.val.step!);
      return;
    }
    origLookupVal.call(this, node, frame);
  };

  // ---- for loops ----
  const origFor = proto.compileFor!;
  proto.compileFor = function (node, frame) {
    let arr = node.arr!;
    let filter: Node | undefined;
    // Jinja reads `for x in xs if cond` as a filtered loop; nunjucks parsed it as an inline if.
    if (arr.typename === 'InlineIf') {
      filter = arr.cond!;
      arr = arr.body!;
    }
    const iter = synth({
      typename: 'RbIter',
      lineno: arr.lineno,
      colno: arr.colno,
      rbIterOf: arr,
      rbFilter: filter,
      rbLoopName: node.name,
    });
    const body = synth({ typename: 'RbIteration', lineno: node.lineno, colno: node.colno, target: node.body });
    const wrapped = Object.assign(Object.create(Object.getPrototypeOf(node) as object) as Node, node, {
      arr: iter,
      body,
    });
    this._rbLoopDepth = (this._rbLoopDepth ?? 0) + 1;
    try {
      origFor.call(this, wrapped, frame);
    } finally {
      this._rbLoopDepth -= 1;
    }
  };
  // Each iteration has its own scope, so a `{% set %}` in one iteration is gone in the next, as in Jinja.
  proto.compileRbIteration = function (node, frame) {
    this._emitLine('frame = frame.push();');
    this.compile(node.target!, frame);
    this._emitLine('frame = frame.pop();');
  };
  proto.compileRbIter = function (node, frame) {
    this._emit('runtime.rbIter(');
    this._compileExpression(node.rbIterOf!, frame);
    if (node.rbFilter) {
      const name = node.rbLoopName!;
      const names =
        name.typename === 'Array' ? (name.children ?? []).map((c) => String(c.value)) : [String(name.value)];
      this._emit(', function(item) { var outer = frame; frame = frame.push(); try { ');
      if (names.length === 1) this._emit(`frame.set(${JSON.stringify(names[0])}, item); `);
      else names.forEach((n, i) => this._emit(`frame.set(${JSON.stringify(n)}, item[${i}]); `));
      this._emit('return runtime.rbTruth(');
      this._compileExpression(node.rbFilter, frame);
      this._emit('); } finally { frame = outer; } }');
    }
    this._emit(')');
  };
  const origBindings = proto._emitLoopBindings!;
  proto._emitLoopBindings = function (node, arr, i, len) {
    origBindings.call(this, node, arr, i, len);
    this._emitLine(`frame.set("loop.cycle", runtime.rbCycle(${String(i)}));`);
    this._emitLine(`frame.set("loop.changed", runtime.rbChanged(${String(arr)}));`);
    this._emitLine(`frame.set("loop.previtem", ${String(i)} > 0 ? ${String(arr)}[${String(i)} - 1] : undefined);`);
    this._emitLine(
      `frame.set("loop.nextitem", ${String(i)} < ${String(len)} - 1 ? ${String(arr)}[${String(i)} + 1] : undefined);`,
    );
    this._emitLine('frame.set("loop.depth", 1); frame.set("loop.depth0", 0);');
  };

  // `{% set %}` inside a loop is local to the loop, as in Jinja: it never changes the variable outside.
  const origSet = proto.compileSet!;
  proto.compileSet = function (node, frame) {
    const targets = node.targets ?? [];
    if (targets.some((t) => t.typename !== 'Symbol')) return compileNamespaceSet(this, node, frame);
    if (targets.length > 1 && node.value) {
      // `{% set a, b = pair %}`: unpack once, then assign each name as its own set.
      const values = this._tmpid();
      this._emit(`var ${values} = runtime.rbUnpack(`);
      this._compileExpression(node.value as Node, frame);
      this._emitLine(`, ${targets.length});`);
      targets.forEach((t, i) => {
        const value = synth({ typename: 'RbCode', lineno: t.lineno, colno: t.colno, value: `${values}[${i}]` });
        const one = Object.assign(Object.create(Object.getPrototypeOf(node) as object) as Node, node, {
          targets: [t],
          value,
        });
        proto.compileSet!.call(this, one, frame);
      });
      return;
    }
    if (!this._rbLoopDepth) return origSet.call(this, node, frame);
    const ids = (node.targets ?? []).map(() => this._tmpid());
    for (const id of ids) this._emitLine(`var ${id};`);
    // The value is read before the loop-local name exists: `{% set total = total + x %}` reads the outer one.
    this._emit(`${ids.join(' = ')} = `);
    if (node.value) this._compileExpression(node.value as Node, frame);
    else this.compile(node.body!, frame);
    this._emitLine(';');
    (node.targets ?? []).forEach((t, i) => {
      frame.set(String(t.value), ids[i]);
      this._emitLine(`frame.set(${JSON.stringify(String(t.value))}, ${ids[i]});`);
    });
  };

  // `{% set ns.attr = value %}`: the one assignment Jinja allows to an attribute, on a namespace().
  const compileNamespaceSet = (c: Compiler, node: Node, frame: Frame): void => {
    const targets = node.targets ?? [];
    const target = targets[0]!;
    const key = target.val;
    if (
      targets.length !== 1 ||
      target.typename !== 'LookupVal' ||
      target.target?.typename !== 'Symbol' ||
      key?.typename !== 'Literal' ||
      typeof key.value !== 'string'
    ) {
      (c as unknown as { fail(m: string, l: number, col: number): never }).fail(
        'can only assign to a name or to an attribute of a namespace (ns.name)',
        target.lineno,
        target.colno,
      );
    }
    const value = c._tmpid();
    c._emit(`var ${value} = `);
    if (node.value) c._compileExpression(node.value as Node, frame);
    else c.compile(node.body!, frame);
    c._emitLine(';');
    call(c, 'rbSetAttr', frame, target.target!, JSON.stringify(key!.value), value);
    c._emitLine(';');
  };

  // `{% include ['a', 'b'] %}` renders the first that exists.
  const origGetTemplate = proto._compileGetTemplate!;
  proto._compileGetTemplate = function (node, frame, ...rest) {
    const pick = synth({ typename: 'RbPickTemplate', lineno: node.lineno, colno: node.colno, target: node.template });
    const wrapped = Object.assign(Object.create(Object.getPrototypeOf(node) as object) as Node, node, {
      template: pick,
    });
    return origGetTemplate.call(this, wrapped, frame, ...rest);
  };
  proto.compileRbPickTemplate = function (node, frame) {
    call(this, 'rbPickTemplate', frame, 'env', node.target!);
  };
}
