import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { diagnostic, sortDiagnostics, type Diagnostic } from './diagnostic.js';
import type { LoadedYaml } from './load.js';
import { digests, inventoryValidate, playbookValidate } from './schema-validators.js';
import { didYouMean, suggest } from './suggest.js';

/**
 * JSON Schema validation of loaded YAML, with ajv's errors turned into one plain-worded diagnostic per
 * problem, located at the offending key or value. The schemas under schemas/ are the source of truth;
 * an optional `x-expected` annotation on a schema node words what it accepts ("a duration like …").
 */

type SchemaNode = Record<string, unknown>;

export const BUNDLED = ['playbook', 'inventory'] as const;
export type BundledSchema = (typeof BUNDLED)[number];

/** Shared by the run-time compiler and schema-build.ts, so precompiled and compiled validators agree. */
export const AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  keywords: ['x-expected', 'x-actions'],
} as const;

export function schemaText(name: BundledSchema): string {
  return readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8');
}

export function schemaDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const compiled = new WeakMap<object, ValidateFunction>();
let ajv: InstanceType<typeof AjvModule.default> | undefined;

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // ajv is loaded and the schema compiled only when no precompiled validator fits: starting costs nothing.
    const { default: Ajv } = createRequire(import.meta.url)('ajv') as typeof AjvModule;
    ajv ??= new Ajv({ ...AJV_OPTIONS, keywords: [...AJV_OPTIONS.keywords] });
    // ajv refuses a second schema under the same $id; a copy of a bundled schema replaces the earlier one.
    const id = (schema as SchemaNode).$id;
    if (typeof id === 'string') ajv.removeSchema(id);
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

const PRECOMPILED: Record<BundledSchema, ValidateFunction> = {
  playbook: playbookValidate as unknown as ValidateFunction,
  inventory: inventoryValidate as unknown as ValidateFunction,
};

const bundled = new Map<BundledSchema, object>();

/**
 * A schema from schemas/, read once, with its precompiled validator when that was generated from this very
 * text. The path works from src/ (tsx) and dist/ (built): both sit two levels below the repository root.
 */
export function bundledSchema(name: BundledSchema): object {
  let schema = bundled.get(name);
  if (!schema) {
    const text = schemaText(name);
    schema = JSON.parse(text) as object;
    if (schemaDigest(text) === digests[name]) compiled.set(schema, PRECOMPILED[name]);
    bundled.set(name, schema);
  }
  return schema;
}

/** Whether the precompiled validator is in use (it is stale once a schema changes without regenerating). */
export function usesPrecompiled(name: BundledSchema): boolean {
  return compiled.get(bundledSchema(name)) === PRECOMPILED[name];
}

export function schemaDiagnostics(schema: object, loaded: LoadedYaml): Diagnostic[] {
  const validate = validatorFor(schema);
  if (validate(loaded.value)) return [];
  const problems = withoutMisspeltRequired(collapse(validate.errors ?? [], schema as SchemaNode));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const p of problems) {
    const d = toDiagnostic(p, loaded);
    const key = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return sortDiagnostics(out);
}

interface Problem {
  error: ErrorObject;
  /** Set when a oneOf/anyOf fan-out was replaced by one message about what the value may be. */
  expected?: string;
}

/**
 * ajv reports every failed branch of a oneOf. Users want one answer: when exactly one branch has the right
 * type for the value, its own errors say what is wrong; otherwise one "expected …" message replaces them all.
 */
function collapse(errors: ErrorObject[], root: SchemaNode): Problem[] {
  const items: Array<Problem | null> = errors.map((error) => ({ error }));
  errors.forEach((e, index) => {
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') return;
    const at = e.instancePath;
    // A branch's errors are appended just before the oneOf error itself, all at or below its value.
    let start = index;
    while (start > 0 && within(errors[start - 1]!.instancePath, at)) start--;
    const branches = (Array.isArray(e.schema) ? e.schema : []) as SchemaNode[];
    const matching = branches.map((b) => resolve(b, root)).filter((b) => typeMatches(b, e.data, root));
    const only = matching.length === 1 ? matching[0]! : undefined;
    for (let j = start; j < index; j++) {
      const item = items[j];
      if (!item || item.error.instancePath !== at) continue;
      if (only && isContainer(only, e.data)) {
        // The other branches' type complaints, including their own collapsed oneOfs, are not the user's problem.
        if (['type', 'oneOf', 'anyOf'].includes(item.error.keyword)) items[j] = null;
      } else if (only && hasBranches(only)) {
        if (item.expected === undefined) items[j] = null;
      } else {
        items[j] = null;
      }
    }
    if (only && (isContainer(only, e.data) || hasBranches(only))) items[index] = null;
    else items[index] = { error: e, expected: expectation(e.parentSchema as SchemaNode | undefined, branches, root) };
  });
  return items.filter((p): p is Problem => p !== null);
}

/** `hsots: all` is one mistake: the unknown key's hint already says that `hosts` is what is missing. */
function withoutMisspeltRequired(problems: Problem[]): Problem[] {
  const suggested = new Set<string>();
  for (const { error: e } of problems) {
    if (e.keyword !== 'additionalProperties') continue;
    const known = Object.keys(((e.parentSchema as SchemaNode | undefined)?.properties as SchemaNode | undefined) ?? {});
    const near = suggest(String((e.params as Record<string, unknown>).additionalProperty), known);
    if (near !== undefined) suggested.add(`${e.instancePath}/${near}`);
  }
  return problems.filter(
    ({ error: e }) =>
      e.keyword !== 'required' ||
      !suggested.has(`${e.instancePath}/${String((e.params as Record<string, unknown>).missingProperty)}`),
  );
}

function within(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

function resolve(node: SchemaNode, root: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = root;
  for (const seg of ref.slice(2).split('/')) target = (target as SchemaNode | undefined)?.[unescapePointer(seg)];
  return typeof target === 'object' && target !== null ? resolve(target as SchemaNode, root) : node;
}

function hasBranches(node: SchemaNode): boolean {
  return Array.isArray(node.oneOf) || Array.isArray(node.anyOf);
}

function typeMatches(node: SchemaNode, data: unknown, root: SchemaNode): boolean {
  if (node.type !== undefined) return typesOf(node).some((t) => isType(t, data));
  const branches = (node.oneOf ?? node.anyOf) as SchemaNode[] | undefined;
  if (Array.isArray(branches)) return branches.some((b) => typeMatches(resolve(b, root), data, root));
  return true;
}

function isContainer(node: SchemaNode, data: unknown): boolean {
  return typesOf(node).some((t) => (t === 'object' || t === 'array') && isType(t, data));
}

function typesOf(node: SchemaNode): string[] {
  const t = node.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

function isType(type: string, data: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof data === 'object' && data !== null && !Array.isArray(data);
    case 'array':
      return Array.isArray(data);
    case 'null':
      return data === null;
    case 'integer':
      return Number.isInteger(data);
    case 'number':
      return typeof data === 'number';
    default:
      return typeof data === type;
  }
}

function expectation(parent: SchemaNode | undefined, branches: SchemaNode[], root: SchemaNode): string {
  const worded = parent?.['x-expected'];
  if (typeof worded === 'string') return worded;
  const types = branches.flatMap((b) => typesOf(resolve(b, root)));
  return orList([...new Set(types)].map(typeWords));
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'nothing',
};

function typeWords(t: string): string {
  return TYPE_WORDS[t] ?? t;
}

function orList(words: string[]): string {
  if (words.length <= 1) return words[0] ?? 'something else';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function toDiagnostic(p: Problem, loaded: LoadedYaml): Diagnostic {
  const e = p.error;
  const path = pointerSegments(e.instancePath);
  const label = labelOf(path, e.parentSchema as SchemaNode | undefined);
  const say = (m: string): string => (label ? `${label}: ${m}` : m);
  const parent = e.parentSchema as SchemaNode | undefined;
  const worded = typeof parent?.['x-expected'] === 'string' ? (parent['x-expected'] as string) : undefined;
  const at = loaded.locate(path);
  if (p.expected !== undefined) return diagnostic(at, say(`expected ${p.expected}`));
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent?.properties as SchemaNode | undefined) ?? {});
      const actions = parent?.['x-actions'];
      const closest = suggest(key, known);
      if (Array.isArray(actions) && (closest === undefined || actions.includes(closest))) {
        // In a task, an unknown key that is not a misspelt task keyword is a module runbook lacks or misspells.
        const near = didYouMean(key, known);
        const list = `runbook's modules: ${orList(actions.map(String))}`;
        const hint = near ? `${near} ${list}` : list;
        return diagnostic(loaded.locate([...path, key], 'key'), `unknown module or key "${key}"`, hint);
      }
      return diagnostic(loaded.locate([...path, key], 'key'), `unknown key "${key}"`, didYouMean(key, known));
    }
    case 'required':
      return diagnostic(at, `missing required key "${String(params.missingProperty)}"`);
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(',');
      return diagnostic(at, say(`expected ${worded ?? orList(types.map(typeWords))}`));
    }
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined;
      return diagnostic(at, say(`expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`), hint);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      if (worded) return diagnostic(at, say(`expected ${worded}`));
      const words = {
        minimum: 'at least',
        maximum: 'at most',
        exclusiveMinimum: 'greater than',
        exclusiveMaximum: 'less than',
      }[e.keyword];
      return diagnostic(at, say(`must be ${words} ${String(params.limit)}`));
    }
    case 'pattern':
      return diagnostic(at, say(worded ? `expected ${worded}` : `must match ${String(params.pattern)}`));
    case 'minLength':
    case 'minItems':
      return diagnostic(at, say(worded ? `expected ${worded}` : 'must not be empty'));
    case 'not':
      return diagnostic(at, say(worded ? `expected ${worded}` : 'is not valid'));
    default:
      return diagnostic(at, say(e.message ?? 'is not valid'));
  }
}

function pointerSegments(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : unescapePointer(s)));
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `serial`, `serial[1]`, `tasks[2]`: the nearest key, with list indexes after it; `play 2` for a top-level item. */
function labelOf(path: Array<string | number>, schema: SchemaNode | undefined): string {
  let i = path.length;
  while (i > 0 && typeof path[i - 1] === 'number') i--;
  if (i === 0) {
    const noun = typeof schema?.title === 'string' ? schema.title.toLowerCase() : 'item';
    return path.length === 0 ? '' : `${noun} ${path.map((n) => Number(n) + 1).join('.')}`;
  }
  return `${String(path[i - 1])}${path
    .slice(i)
    .map((n) => `[${n}]`)
    .join('')}`;
}
