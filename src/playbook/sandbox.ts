import nunjucks from 'nunjucks';

/**
 * Playbooks and templates are hostile input, and Nunjucks is not a sandbox: its compiled templates are
 * JavaScript that looks members up with a plain `obj[key]`, so `{{ range.constructor("…")() }}` is the
 * Function constructor and runs code on the controller (in `validate` too, which renders every template).
 *
 * What a template can reach here is data: strings, numbers, booleans, lists and mappings, their own entries,
 * a short list of side-effect-free string, list and number methods, and the functions Nunjucks provides
 * (globals, macros, `caller`, filters and tests), which can be called but have no members. Concretely:
 * - the names that lead to code or prototypes are refused at compile time wherever they are written (a
 *   member, a variable, a `set`/`for`/`macro` target, a dict key, a filter or test), with the position;
 * - at run time every member lookup goes through `sandboxedMember`, which refuses the same names however the
 *   key was computed, reads only own properties of plain data, and never a member of a function;
 * - variables resolve only to what the context and the globals hold themselves, never to `Object.prototype`;
 * - filters and tests are looked up among those registered, not on their prototype;
 * - functions are called with no `this`, so none receives the template's context;
 * - filters that follow an attribute path (`groupby`, `sort`, `sum`, `join`, `selectattr`, `rejectattr`)
 *   refuse the same names in that path.
 */

/** Names that lead from a value to a function constructor, a prototype, or a way to rewrite either. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** Refused as members at run time as well: harmless on data, dangerous on functions (which have none). */
export const FORBIDDEN_MEMBERS: ReadonlySet<string> = new Set([
  ...FORBIDDEN_NAMES,
  'call',
  'apply',
  'bind',
  'caller',
  'callee',
  'arguments',
]);

// Methods that only compute a new value from their receiver; nothing that mutates shared variables, returns
// an iterator, or allocates without bound (`repeat`, `padStart`).
const STRING_METHODS: ReadonlySet<string> = new Set([
  'at',
  'charAt',
  'charCodeAt',
  'codePointAt',
  'concat',
  'endsWith',
  'includes',
  'indexOf',
  'lastIndexOf',
  'localeCompare',
  'match',
  'normalize',
  'replace',
  'replaceAll',
  'search',
  'slice',
  'split',
  'startsWith',
  'substring',
  'substr',
  'toLowerCase',
  'toUpperCase',
  'trim',
  'trimEnd',
  'trimStart',
]);
const ARRAY_METHODS: ReadonlySet<string> = new Set([
  'at',
  'concat',
  'every',
  'filter',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'flat',
  'includes',
  'indexOf',
  'join',
  'lastIndexOf',
  'map',
  'slice',
  'some',
  'toReversed',
  'toSorted',
]);
const NUMBER_METHODS: ReadonlySet<string> = new Set(['toFixed', 'toPrecision']);

/** A template reached for something it may not have; nunjucks adds the template's line and column. */
export class SandboxViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxViolation';
  }
}

function refusedName(name: string): string {
  return `"${name}" is not reachable from a template (templates read data, not code)`;
}

type Callable = (...args: unknown[]) => unknown;

/** A method as a fresh closure over its receiver: the template never holds the shared builtin itself. */
function boundMethod(receiver: unknown, method: Callable): Callable {
  return (...args: unknown[]) => method.apply(receiver, args);
}

function isPlainData(obj: object): boolean {
  const proto: unknown = Object.getPrototypeOf(obj);
  return (proto === Object.prototype || proto === null) && obj !== Object.prototype;
}

/** Lists of own entries and plain mappings are data; a class instance or a prototype is not. */
function describeValue(obj: unknown): string {
  if (typeof obj === 'function') return 'a function';
  return 'an object that is not plain data';
}

/**
 * The member lookup every compiled template uses. Returns undefined where plain data has no such entry (the
 * strict mode then names the missing variable), and throws where the lookup itself is not allowed.
 */
export function sandboxedMember(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null) return undefined;
  let name: string;
  if (typeof key === 'string') name = key;
  else if (typeof key === 'number' || typeof key === 'boolean') name = String(key);
  else {
    const kind = key === null ? 'null' : typeof key;
    throw new SandboxViolation(`a member name must be a string or a number, not ${kind}`);
  }
  if (FORBIDDEN_MEMBERS.has(name)) throw new SandboxViolation(refusedName(name));
  const SafeString = (nunjucks.runtime as unknown as { SafeString: new (v: string) => object }).SafeString;
  const target: unknown = obj instanceof SafeString ? String(obj) : obj;
  switch (typeof target) {
    case 'string':
      if (Object.hasOwn(Object(target), name)) return (target as unknown as Record<string, unknown>)[name];
      if (STRING_METHODS.has(name)) {
        return boundMethod(target, (String.prototype as unknown as Record<string, Callable>)[name]!);
      }
      return undefined;
    case 'number':
      return NUMBER_METHODS.has(name)
        ? boundMethod(target, (Number.prototype as unknown as Record<string, Callable>)[name]!)
        : undefined;
    case 'boolean':
    case 'bigint':
    case 'symbol':
    case 'undefined':
      return undefined;
    case 'function':
      throw new SandboxViolation(`a template cannot look up "${name}" on ${describeValue(target)}`);
    case 'object':
      break;
  }
  const o = target as Record<string, unknown>;
  if (Array.isArray(o)) {
    if (Object.hasOwn(o, name)) return o[name];
    if (!ARRAY_METHODS.has(name)) return undefined;
    return boundMethod(o, (Array.prototype as unknown as Record<string, Callable>)[name]!);
  }
  if (!isPlainData(o)) throw new SandboxViolation(`a template cannot look up "${name}" on ${describeValue(o)}`);
  if (!Object.hasOwn(o, name)) return undefined;
  const v = o[name];
  // Own functions of plain objects are what Nunjucks' own helpers return (a cycler's `next`).
  return typeof v === 'function' ? boundMethod(o, v as Callable) : v;
}

// Minimal shapes of the nunjucks internals the sandbox replaces (they are untyped upstream).
interface SbNode {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  fields?: string[];
  children?: SbNode[];
  [field: string]: unknown;
}
interface SbFrame {
  lookup(name: string): unknown;
}
interface SbContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}
interface SbRuntime {
  memberLookup(obj: unknown, key: unknown): unknown;
  callWrap(fn: unknown, name: string, context: unknown, args: unknown[]): unknown;
  contextOrFrameLookup(context: SbContext, frame: SbFrame, name: string): unknown;
}
interface SbEnvironment {
  filters: Record<string, unknown>;
  tests: Record<string, unknown>;
  getFilter(name: string): unknown;
  getTest(name: string): unknown;
}
interface SbCompiler {
  fail(message: string, lineno?: number, colno?: number): never;
}

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/**
 * Nunjucks writes the names a template binds (macros and their parameters, loop variables, imports, blocks) into the
 * compiled code between quotes, unescaped. Jinja only accepts plain names there; anything else (a string
 * literal holding a quote) is refused before compiling, so it cannot become code.
 */
function bindingViolation(n: SbNode): SbNode | null {
  const name = (x: unknown): boolean => {
    const v = x as SbNode | undefined;
    return v?.typename === 'Symbol' && typeof v.value === 'string' && IDENTIFIER.test(v.value);
  };
  const bad = (x: unknown): SbNode => (x && typeof x === 'object' ? (x as SbNode) : n);
  const list = (x: unknown): SbNode[] => ((x as SbNode | undefined)?.children ?? []) as SbNode[];
  switch (n.typename) {
    case 'Macro':
    case 'Caller': {
      if (n.typename === 'Macro' && !name(n.name)) return bad(n.name);
      for (const arg of list(n.args)) {
        if (arg.typename === 'KeywordArgs' || arg.typename === 'Dict') {
          for (const pair of list(arg)) if (!name(pair.key)) return bad(pair.key);
        } else if (!name(arg)) return bad(arg);
      }
      return null;
    }
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll': {
      const target = n.name as SbNode | undefined;
      const names = target?.typename === 'Array' ? list(target) : [target];
      for (const t of names) if (!name(t)) return bad(t);
      return null;
    }
    case 'Import':
      return name(n.target) ? null : bad(n.target);
    case 'Block':
      return name(n.name) ? null : bad(n.name);
    case 'FromImport':
      for (const item of list(n.names)) {
        if (item.typename === 'Pair' ? !name(item.key) || !name(item.value) : !name(item)) return bad(item);
      }
      return null;
    case 'RbWith':
      for (const t of (n.targets ?? []) as SbNode[]) if (!name(t)) return bad(t);
      return null;
    default:
      return null;
  }
}

/** Where a parsed template or expression names something it may not reach, or null. Positions are 1-based. */
export function sandboxViolation(root: unknown): { message: string; line: number; col: number } | null {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const c of node) stack.push(c);
      continue;
    }
    const n = node as SbNode;
    const at = (name: string) => ({ message: refusedName(name), line: n.lineno + 1, col: n.colno + 1 });
    if (n.typename === 'Symbol' && typeof n.value === 'string' && FORBIDDEN_NAMES.has(n.value)) return at(n.value);
    const binding = bindingViolation(n);
    if (binding) {
      return {
        message: 'a name is expected here (letters, digits and _)',
        line: binding.lineno + 1,
        col: binding.colno + 1,
      };
    }
    if (n.typename === 'LookupVal') {
      const val = n.val as SbNode | undefined;
      if (val?.typename === 'Literal' && FORBIDDEN_MEMBERS.has(String(val.value))) {
        return { message: refusedName(String(val.value)), line: val.lineno + 1, col: val.colno + 1 };
      }
    }
    if (n.typename === 'Pair') {
      const key = n.key as SbNode | undefined;
      if (key?.typename === 'Literal' && FORBIDDEN_NAMES.has(String(key.value))) {
        return { message: refusedName(String(key.value)), line: key.lineno + 1, col: key.colno + 1 };
      }
    }
    if (Array.isArray(n.children)) for (const c of n.children) stack.push(c);
    for (const f of n.fields ?? []) if (f !== 'children') stack.push(n[f]);
  }
  return null;
}

/** Attribute-path filters and the argument position of their path (a keyword argument by name). */
const ATTRIBUTE_FILTERS: Record<string, { index: number; keyword: string }> = {
  groupby: { index: 1, keyword: 'attribute' },
  sort: { index: 3, keyword: 'attribute' },
  sum: { index: 1, keyword: 'attribute' },
  join: { index: 2, keyword: 'attribute' },
  selectattr: { index: 1, keyword: 'attr' },
  rejectattr: { index: 1, keyword: 'attr' },
};

function checkAttributePath(path: unknown): void {
  if (typeof path !== 'string') return;
  for (const part of path.split('.')) if (FORBIDDEN_MEMBERS.has(part)) throw new SandboxViolation(refusedName(part));
}

function guardAttributeFilter(name: string, filter: Callable): Callable {
  const at = ATTRIBUTE_FILTERS[name]!;
  return function (this: unknown, ...args: unknown[]) {
    checkAttributePath(args[at.index]);
    for (const a of args) {
      if (a && typeof a === 'object' && (a as Record<string, unknown>).__keywords === true) {
        checkAttributePath((a as Record<string, unknown>)[at.keyword]);
      }
    }
    return filter.apply(this, args);
  };
}

/** How deep `{% include %}`, `{% import %}` and `{% extends %}` may nest before rendering stops. */
export const MAX_INCLUDE_DEPTH = 20;

/** Templates nested past MAX_INCLUDE_DEPTH: almost always a template that includes itself. */
export class IncludeTooDeep extends Error {
  constructor(readonly file: string) {
    const why = 'through include, import or extends (does one include itself?)';
    super(`templates nest more than ${MAX_INCLUDE_DEPTH} levels deep ${why}`);
    this.name = 'IncludeTooDeep';
  }
}

let installed = false;
let renderDepth = 0;

/** Replaces the nunjucks internals templates reach through; every environment in the process is sandboxed. */
export function installSandbox(): void {
  if (installed) return;
  installed = true;
  const runtime = nunjucks.runtime as unknown as SbRuntime;
  runtime.memberLookup = sandboxedMember;
  runtime.callWrap = (fn, name, _context, args) => {
    if (typeof fn !== 'function') {
      const why = fn ? 'which is not a function' : 'which is undefined or falsey';
      throw new Error(`Unable to call \`${name}\`, ${why}`);
    }
    // No `this`: a function reached from a template must not receive the template's context.
    return (fn as Callable).apply(undefined, args);
  };
  runtime.contextOrFrameLookup = (context, frame, name) => {
    if (FORBIDDEN_NAMES.has(name)) throw new SandboxViolation(refusedName(name));
    const v = frame.lookup(name);
    if (v !== undefined) return v;
    if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
    return Object.hasOwn(context.env.globals, name) ? context.env.globals[name] : undefined;
  };

  // Rendering is synchronous, so a counter around render() is the depth of the include chain.
  const templateProto = nunjucks.Template.prototype as unknown as { render: Callable; path?: string };
  const render = templateProto.render;
  templateProto.render = function (this: { path?: string }, ...args: unknown[]) {
    if (renderDepth >= MAX_INCLUDE_DEPTH) throw new IncludeTooDeep(this.path ?? 'template');
    renderDepth += 1;
    try {
      return render.apply(this, args);
    } finally {
      renderDepth -= 1;
    }
  };

  const envProto = nunjucks.Environment.prototype as unknown as SbEnvironment;
  envProto.getFilter = function (name) {
    const f = Object.hasOwn(this.filters, name) ? this.filters[name] : undefined;
    if (typeof f !== 'function') throw new Error(`filter not found: ${name}`);
    return name in ATTRIBUTE_FILTERS ? guardAttributeFilter(name, f as Callable) : f;
  };
  envProto.getTest = function (name) {
    const t = Object.hasOwn(this.tests, name) ? this.tests[name] : undefined;
    if (typeof t !== 'function') throw new Error(`test not found: ${name}`);
    return t;
  };

  const internals = nunjucks as unknown as { compiler: { Compiler: { prototype: Record<string, unknown> } } };
  const compilerProto = internals.compiler.Compiler.prototype;
  // Nunjucks writes a called expression's name into the compiled code between double quotes, escaping only
  // the quotes: a string literal holding `\"` closed that string and ran the rest as code. Backslashes and
  // line breaks are escaped here first, so the name stays one JavaScript string.
  const getNodeName = compilerProto._getNodeName as (this: unknown, node: unknown) => string;
  compilerProto._getNodeName = function (this: unknown, node: unknown) {
    return String(getNodeName.call(this, node)).replace(/[\\\n\r\u2028\u2029]/g, (c) =>
      c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  };
  const compileRoot = compilerProto.compileRoot as (this: SbCompiler, node: SbNode, frame: unknown) => void;
  compilerProto.compileRoot = function (this: SbCompiler, node: SbNode, frame: unknown) {
    const bad = sandboxViolation(node);
    // fail() counts from 0, like the parser's positions.
    if (bad) this.fail(bad.message, bad.line - 1, bad.col - 1);
    return compileRoot.call(this, node, frame);
  };
}
