import nunjucks from 'nunjucks';
import { pythonLiteral } from '../python-literal.js';
import { UndefinedVariable } from './errors.js';
import { jinjaSource } from './newlines.js';
import { TEMPLATE_MARK } from './unsafe.js';
import { isMapping, PyFloat, PyTuple } from './python.js';

/**
 * Variables whose values are templates, rendered when a template looks them up, as Ansible's AnsibleJ2Vars
 * does: `d: "{{ e }}-x"` reads as `e`'s value followed by `-x` wherever `d` is used, lists and mappings are
 * rendered item by item, and a variable that needs itself is a "recursive loop". Registered results, facts
 * and `hostvars` as a whole are data, never rendered (Ansible marks results unsafe); a host inside `hostvars`
 * renders its own variables against its own variables.
 *
 * A value without `{{`, `{%` or `{#` costs one string test; a list or mapping is scanned once and the
 * answer kept beside it (values are shared between hosts, so the scan is not per host).
 */

/** Values that are data: never rendered, never scanned. */
const DATA = new WeakSet<object>();
/** Mappings whose members are variables rendered against the mapping itself (a host in `hostvars`). */
const SCOPES = new WeakSet<object>();
const HOLDS_TEMPLATE = new WeakMap<object, boolean>();

/** Marks a value (a registered result, facts, `hostvars`) as data that no lookup renders. */
export function markData<T>(value: T): T {
  if (typeof value === 'object' && value !== null) DATA.add(value);
  return value;
}

/** Marks one host's variables: `hostvars[h].x` renders `x` against them. */
export function markScope<T extends object>(vars: T): T {
  SCOPES.add(vars);
  return vars;
}

export class RecursiveTemplate extends Error {
  constructor(readonly text: string) {
    super(`recursive loop detected in template string: ${text}`);
    this.name = 'RecursiveTemplate';
  }
}

function holdsTemplate(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{') && TEMPLATE_MARK.test(v);
  if (typeof v !== 'object' || v === null || DATA.has(v)) return false;
  if (!Array.isArray(v) && !isPlainMapping(v)) return false;
  let known = HOLDS_TEMPLATE.get(v);
  if (known === undefined) {
    // Provisional answer first: a structure that contains itself ends the scan instead of recursing.
    HOLDS_TEMPLATE.set(v, false);
    known = Array.isArray(v)
      ? v.some(holdsTemplate)
      : Object.keys(v).some((k) => holdsTemplate(k) || holdsTemplate((v as Record<string, unknown>)[k]));
    HOLDS_TEMPLATE.set(v, known);
  }
  return known;
}

function isPlainMapping(v: object): v is Record<string, unknown> {
  if (!isMapping(v) || v instanceof PyFloat) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

interface LazyEnv {
  addFilter(name: string, fn: (v: unknown) => unknown): void;
  filters: Record<string, unknown>;
}
interface LazyContext {
  ctx: Record<string, unknown>;
  env: LazyEnv;
}
interface LazyFrame {
  lookup(name: string): unknown;
}
interface LazyRuntime {
  contextOrFrameLookup(context: LazyContext, frame: LazyFrame, name: string): unknown;
  memberLookup(obj: unknown, key: unknown, ...rest: unknown[]): unknown;
}

/** Where a strict use stands, so an undefined name inside a variable's template is reported there. */
export interface UseSite {
  line: number;
  col: number;
  tpl: string;
}

const LONE_EXPRESSION = /^\{\{((?:(?!\}\})[\s\S])*)\}\}$/;
const KEEP = 'rb_keep_value';
const compiled = new WeakMap<object, Map<string, nunjucks.Template>>();
/** The variables being rendered right now (name → raw values): meeting one again is a loop. */
const resolving = new Map<string, Set<unknown>>();
let kept: unknown;
let currentEnv: LazyEnv | undefined;
let installed = false;

function compile(env: LazyEnv, text: string): nunjucks.Template {
  let byText = compiled.get(env);
  if (!byText) compiled.set(env, (byText = new Map()));
  let t = byText.get(text);
  if (!t) {
    if (!Object.hasOwn(env.filters, KEEP)) env.addFilter(KEEP, (v) => ((kept = v), ''));
    const lone = LONE_EXPRESSION.exec(text);
    const source = lone ? `{{ (${lone[1]!}) | ${KEEP} }}` : jinjaSource(text);
    t = new nunjucks.Template(source, env as unknown as nunjucks.Environment, text, true);
    byText.set(text, t);
  }
  return t;
}

/**
 * One string rendered as Ansible's templar returns it (non-native): a lone `{{ expr }}` keeps a list, a
 * mapping or a boolean, any other result is text; text that reads as a list, mapping or boolean literal
 * becomes one (ansible_concat's literal_eval).
 */
function renderText(env: LazyEnv, text: string, scope: Record<string, unknown>): unknown {
  const lone = LONE_EXPRESSION.test(text);
  let out = compile(env, text).render(scope);
  if (lone) {
    const v = kept;
    if (Array.isArray(v) || typeof v === 'boolean' || (isMapping(v) && !(v instanceof PyFloat))) {
      return v instanceof PyTuple ? [...v] : v;
    }
    out = pythonText(v);
  }
  if (out === 'True' || out === 'False') return out === 'True';
  if (out.startsWith('[') || out.startsWith('{')) {
    const lit = pythonLiteral(out);
    if (lit.ok) return lit.value;
  }
  return out;
}

function pythonText(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  return String(v);
}

function renderDeep(env: LazyEnv, v: unknown, scope: Record<string, unknown>): unknown {
  if (!holdsTemplate(v)) return v;
  if (typeof v === 'string') return renderText(env, v, scope);
  if (Array.isArray(v)) return v.map((x) => renderDeep(env, x, scope));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const key = holdsTemplate(k) ? String(renderDeep(env, k, scope)) : k;
    Object.defineProperty(out, key, { value: renderDeep(env, x, scope), writable: true, enumerable: true });
  }
  return out;
}

/** The first UndefinedVariable in an error's cause chain (nunjucks wraps what templates throw). */
function undefinedIn(err: unknown): UndefinedVariable | RecursiveTemplate | undefined {
  for (let e = err, i = 0; e && i < 8; i++, e = (e as { cause?: unknown }).cause) {
    if (e instanceof UndefinedVariable || e instanceof RecursiveTemplate) return e;
  }
  return undefined;
}

/**
 * A variable's value as a template sees it. `site` is set for a strict use: an undefined name inside the
 * value is then an error at the use; without it (`| default`, `is defined`) the variable is undefined.
 */
export function resolveVariable(
  env: LazyEnv,
  scope: Record<string, unknown>,
  name: string,
  value: unknown,
  site?: UseSite,
): unknown {
  if (!holdsTemplate(value)) return value;
  // Nunjucks copies the variables for every render, so a variable is known by its name and its raw value.
  let active = resolving.get(name);
  if (active?.has(value)) throw new RecursiveTemplate(typeof value === 'string' ? value : JSON.stringify(value));
  if (!active) resolving.set(name, (active = new Set()));
  active.add(value);
  try {
    return renderDeep(env, value, scope);
  } catch (err) {
    const found = undefinedIn(err);
    if (found instanceof RecursiveTemplate) throw found;
    if (!found) throw err;
    if (!site) return undefined;
    throw new UndefinedVariable(found.variable, site.tpl, site.line, site.col, name);
  } finally {
    active.delete(value);
    if (active.size === 0) resolving.delete(name);
  }
}

/** A strict lookup of a top-level name, for the strict mode's compiled lookups. */
export function lookupStrict(context: LazyContext, frame: LazyFrame, name: string, site: UseSite): unknown {
  const runtime = nunjucks.runtime as unknown as LazyRuntime & { rbPlainLookup: LazyRuntime['contextOrFrameLookup'] };
  if (!installed) return runtime.contextOrFrameLookup(context, frame, name);
  const v = runtime.rbPlainLookup(context, frame, name);
  if (v === undefined || !Object.hasOwn(context.ctx, name) || frame.lookup(name) !== undefined) return v;
  currentEnv = context.env;
  return resolveVariable(context.env, context.ctx, name, v, site);
}

/** Wraps the sandbox's lookups; installed after it, once per process. */
export function installLazyVariables(): void {
  if (installed) return;
  installed = true;
  const runtime = nunjucks.runtime as unknown as LazyRuntime & {
    rbPlainLookup: LazyRuntime['contextOrFrameLookup'];
  };
  const plain = runtime.contextOrFrameLookup;
  runtime.rbPlainLookup = plain;
  runtime.contextOrFrameLookup = (context, frame, name) => {
    const v = plain(context, frame, name);
    if (v === undefined || !Object.hasOwn(context.ctx, name) || frame.lookup(name) !== undefined) return v;
    currentEnv = context.env;
    return resolveVariable(context.env, context.ctx, name, v);
  };
  const member = runtime.memberLookup;
  runtime.memberLookup = (obj, key, ...rest) => {
    const v = member(obj, key, ...rest);
    if (v === undefined || typeof key !== 'string' || typeof obj !== 'object' || obj === null || !SCOPES.has(obj)) {
      return v;
    }
    if (!currentEnv) return v;
    return resolveVariable(currentEnv, obj as Record<string, unknown>, key, v);
  };
}
