import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { displayPath } from '../load.js';
import { sandboxViolation } from '../sandbox.js';
import { didYouMean } from '../suggest.js';
import { FILTERS, TESTS } from './filters.js';
import { findTemplate } from './jail.js';
import { LOOKUP_NAMES } from './lookups.js';
import { ALL_METHOD_NAMES } from './methods.js';
import { jinjaSource } from './newlines.js';
import { installPythonSemantics } from './python-syntax.js';

/**
 * Offline checks of what a template or expression calls: every filter, test, method and lookup must exist,
 * and every `include`/`import` must resolve inside the template path. `validate` reports these at the
 * name's own line and column, so a playbook that validates never stops at run time on "filter not found".
 */

export interface NameProblem {
  /** Set when the problem is in another file than the one checked (an included template). */
  file?: string;
  /** 1-based, within the checked text. */
  line: number;
  col: number;
  message: string;
  hint?: string;
}

interface Node {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  fields?: string[];
  children?: Node[];
  ignoreMissing?: boolean;
  [field: string]: unknown;
}

/** JavaScript habits, answered with the Python that templates speak. */
const PYTHON_FOR: Record<string, string> = {
  toUpperCase: 'use .upper() or | upper',
  toLowerCase: 'use .lower() or | lower',
  trim: 'use .strip() or | trim',
  includes: 'use the `in` operator',
  indexOf: 'use .find() or .index()',
  substring: 'use a slice: s[a:b]',
  slice: 'use a slice: s[a:b]',
  toString: 'use | string',
  trimStart: 'use .lstrip()',
  trimEnd: 'use .rstrip()',
  padStart: 'use .rjust() or .zfill()',
  padEnd: 'use .ljust()',
  append: 'variables are read-only in templates: build a new list with xs + [x]',
  extend: 'variables are read-only in templates: build a new list with xs + ys',
  insert: 'variables are read-only in templates: build a new list',
  remove: 'variables are read-only in templates: use | reject("equalto", x) | list',
  pop: 'variables are read-only in templates',
  update: 'variables are read-only in templates: use | combine',
  setdefault: 'variables are read-only in templates: use | combine or | default',
};

/** Methods of the helper objects Jinja's globals return (a cycler's `next`, `loop.cycle`). */
const HELPER_METHODS = new Set(['next', 'reset', 'cycle', 'changed', 'current']);

function parse(text: string): Node {
  installPythonSemantics();
  return (nunjucks as unknown as { parser: { parse(src: string): Node } }).parser.parse(text);
}

function at(n: Node, message: string, hint?: string): NameProblem {
  return hint === undefined
    ? { line: n.lineno + 1, col: n.colno + 1, message }
    : { line: n.lineno + 1, col: n.colno + 1, message, hint };
}

function rootSymbol(n: Node | undefined): string | undefined {
  while (n && n.typename === 'LookupVal') n = n.target as Node;
  return n?.typename === 'Symbol' ? String(n.value) : undefined;
}

function literalNames(n: Node | undefined): string[] | undefined {
  if (!n) return undefined;
  if (n.typename === 'Literal' && typeof n.value === 'string') return [n.value];
  if (
    n.typename === 'Array' &&
    (n.children ?? []).every((c) => c.typename === 'Literal' && typeof c.value === 'string')
  ) {
    return (n.children ?? []).map((c) => String(c.value));
  }
  return undefined;
}

interface Options {
  searchPath?: string[];
  /** Included templates already checked, by path, so a cycle of includes ends. */
  seen?: Set<string>;
}

function checkTree(root: Node, opts: Options): NameProblem[] {
  // A template that reaches for code is refused by the sandbox, with its own message; nothing to add here.
  if (sandboxViolation(root)) return [];
  const problems: NameProblem[] = [];
  // Names bound to template namespaces or helper objects, whose members are macros or helper methods.
  const namespaces = new Set<string>(['loop', 'caller', 'self', 'varargs', 'kwargs']);
  const nodes: Node[] = [];
  const collect = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const c of node) collect(c);
      return;
    }
    const n = node as Node;
    if (typeof n.typename !== 'string') return;
    nodes.push(n);
    if (n.typename === 'Import') namespaces.add(String((n.target as Node).value));
    if (n.typename === 'Set' && (n.value as Node | undefined)?.typename === 'FunCall') {
      for (const t of (n.targets as Node[]) ?? []) namespaces.add(String(t.value));
    }
    if (Array.isArray(n.children)) collect(n.children);
    for (const f of n.fields ?? []) if (f !== 'children') collect(n[f]);
  };
  collect(root);
  /** A filter or test name must be one of `known`; otherwise the closest known names are suggested. */
  const mustKnow = (kind: 'filter' | 'test', nameNode: Node, known: Record<string, unknown>): void => {
    const name = String(nameNode.value);
    if (!Object.hasOwn(known, name))
      problems.push(at(nameNode, `unknown ${kind} "${name}"`, didYouMean(name, Object.keys(known))));
  };

  for (const n of nodes) {
    switch (n.typename) {
      case 'Filter':
        mustKnow('filter', n.name as Node, FILTERS);
        break;
      case 'Is': {
        const right = n.right as Node;
        mustKnow('test', right.typename === 'FunCall' ? (right.name as Node) : right, TESTS);
        break;
      }
      case 'FunCall': {
        const callee = n.name as Node;
        const args = ((n.args as Node | undefined)?.children ?? []) as Node[];
        if (callee.typename === 'Symbol' && ['lookup', 'query', 'q'].includes(String(callee.value))) {
          const plugin = args[0];
          if (plugin?.typename === 'Literal' && typeof plugin.value === 'string' && !LOOKUP_NAMES.has(plugin.value)) {
            const known = [...LOOKUP_NAMES].filter((l) => !l.includes('.'));
            problems.push(at(plugin, `unknown lookup "${plugin.value}"`, `runbook offers ${known.join(', ')}`));
          }
        }
        if (callee.typename === 'LookupVal') {
          const key = callee.val as Node;
          const root = rootSymbol(callee.target as Node);
          if (
            key.typename === 'Literal' &&
            typeof key.value === 'string' &&
            !(root !== undefined && namespaces.has(root))
          ) {
            const method = key.value;
            if (!ALL_METHOD_NAMES.has(method) && !HELPER_METHODS.has(method)) {
              const hint = Object.hasOwn(PYTHON_FOR, method)
                ? PYTHON_FOR[method]
                : didYouMean(method, ALL_METHOD_NAMES);
              problems.push(at(key, `unknown method "${method}()"`, hint));
            }
          }
        }
        break;
      }
      case 'Include':
      case 'Import':
      case 'FromImport': {
        if (!opts.searchPath) break;
        const names = literalNames(n.template as Node);
        if (!names || (n.typename === 'Include' && n.ignoreMissing)) break;
        const found = names.map((name) => findTemplate(opts.searchPath!, name));
        const hit = found.find((f) => f.ok);
        if (!hit) {
          const first = found[0];
          const message =
            names.length > 1
              ? `none of the templates ${names.map((x) => `"${x}"`).join(', ')} is in the template path`
              : first && !first.ok
                ? first.message
                : `no template to ${n.typename.toLowerCase()}`;
          problems.push(at(n.template as Node, message));
        } else if (hit.ok) problems.push(...checkIncluded(hit.path, opts));
        break;
      }
    }
  }
  return problems;
}

function checkIncluded(path: string, opts: Options): NameProblem[] {
  const seen = opts.seen ?? new Set<string>();
  if (seen.has(path)) return [];
  seen.add(path);
  let root: Node;
  try {
    root = parse(jinjaSource(readFileSync(path, 'utf8')));
  } catch {
    // A syntax error in an included template is reported when it is compiled.
    return [];
  }
  return checkTree(root, { ...opts, seen }).map((p) => (p.file ? p : { ...p, file: displayPath(path) }));
}

/** Checks a template's text (a file's content or an inline string). Unparsable text yields no problems here. */
export function checkTemplateNames(text: string, opts: Options = {}): NameProblem[] {
  let root: Node;
  try {
    root = parse(jinjaSource(text));
  } catch {
    return [];
  }
  return checkTree(root, opts);
}

/** Checks a template file in the template path, and the templates it includes or imports. */
export function checkTemplateFile(path: string, opts: Options = {}): NameProblem[] {
  const seen = opts.seen ?? new Set<string>();
  return checkIncluded(path, { ...opts, seen });
}

/** Checks a bare expression (`when:`); positions are within the expression text. */
export function checkExpressionNames(body: string): NameProblem[] {
  let root: Node;
  try {
    root = parse(`{{ ${body} }}`);
  } catch {
    return [];
  }
  // The expression was parsed inside `{{ ` on its first line.
  return checkTree(root, {}).map((p) => (p.line === 1 ? { ...p, col: p.col - 3 } : p));
}
