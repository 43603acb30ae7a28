import nunjucks from 'nunjucks';
import { sandboxViolation } from './sandbox.js';
import type { TemplateEngine } from './template/engine.js';
import { RenderError } from './template/errors.js';
import { installPythonSemantics } from './template/python-syntax.js';

/**
 * `when`, `failed_when`, `changed_when` and `assert.that` are Nunjucks expressions (Ansible writes them
 * bare, without `{{ }}`). They are parsed at validate time and evaluated for their truth at run time.
 */

interface ExprNode {
  typename: string;
  value?: unknown;
  fields?: string[];
  children?: ExprNode[];
  [field: string]: unknown;
}

/** Ansible tolerates `when: "{{ x }}"`; the braces add nothing to an expression, so they are dropped. */
export function bareExpression(expr: string): string {
  const m = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(expr);
  return (m ? m[1]! : expr).trim();
}

/** The template an expression is compiled as: its truth, Python-style, as the text `true` or `false`. */
export function expressionTemplate(expr: string): string {
  return `{{ (${bareExpression(expr)}) | rb_truth }}`;
}

export type ParsedExpression = { ok: true; names: string[] } | { ok: false; message: string };

/**
 * The parser sees the expression wrapped in `{{ }}`, so its messages name a `}}` or a "variable end" the user
 * never wrote: say what they mean for a bare expression.
 */
function inUserTerms(message: string): string {
  return message
    .replace(/^parse\w+: /, '')
    .replace(/^unexpected token: \}\}$/, 'it ends where a value should follow')
    .replace(/got variable-end$/, 'got the end of the expression')
    .replace(/^expected variable end$/, 'unexpected text after a complete expression (a missing operator or quote?)')
    .replace(/^expected comma after expression$/, 'a "(" or "[" is not closed, or a comma is missing');
}

const GLOBALS = new Set(['range', 'cycler', 'joiner', 'True', 'False', 'None', 'true', 'false', 'none', 'loop']);
/** Template functions: called (`lookup('env', 'X')`), they are not variables; a bare `q` still is one. */
const GLOBAL_CALLS = new Set(['lookup', 'query', 'q', 'dict', 'namespace', 'now']);

/**
 * Parses an expression and lists the variables it needs: every name looked up, except those only asked
 * about (`x is defined`, `x is undefined`, `x | default(...)`), filter and test names, and dict keys.
 */
export function parseExpression(expr: string): ParsedExpression {
  const body = bareExpression(expr);
  if (body === '') return { ok: false, message: 'empty expression' };
  let root: ExprNode;
  // Jinja's grammar, as the engine will read it, even when no engine exists yet (validate).
  installPythonSemantics();
  try {
    root = (nunjucks as unknown as { parser: { parse(src: string): ExprNode } }).parser.parse(`{{ ${body} }}`);
  } catch (err) {
    const raw = String((err as Error).message ?? err);
    const msg =
      raw
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .pop() ?? raw;
    return {
      ok: false,
      message: `bad expression "${body}": ${inUserTerms(msg.replace(/^\(.*?\)\s*(\[Line[^\]]*\])?\s*/, ''))}`,
    };
  }
  const refused = sandboxViolation(root);
  if (refused) return { ok: false, message: `bad expression "${body}": ${refused.message}` };
  const names = new Set<string>();
  const walk = (node: unknown, exempt: boolean): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const c of node) walk(c, exempt);
      return;
    }
    const n = node as ExprNode;
    if (Array.isArray(n.children)) {
      for (const c of n.children) walk(c, exempt);
    }
    switch (n.typename) {
      case 'Symbol':
        if (!exempt && typeof n.value === 'string' && !GLOBALS.has(n.value)) names.add(n.value);
        return;
      case 'Is': {
        const right = n.right as ExprNode & { name?: ExprNode; args?: ExprNode };
        const test = right?.name ? right.name.value : right?.value;
        walk(n.left, exempt || test === 'defined' || test === 'undefined');
        if (right?.args) walk(right.args, exempt);
        return;
      }
      case 'Filter':
      case 'FunCall': {
        const args = n.args as ExprNode | undefined;
        const filterName = n.typename === 'Filter' ? (n.name as ExprNode | undefined)?.value : undefined;
        const callee = n.name as ExprNode | undefined;
        const builtin = callee?.typename === 'Symbol' && GLOBAL_CALLS.has(String(callee.value));
        if (n.typename === 'FunCall' && !builtin) walk(callee, exempt);
        const kids = args?.children ?? [];
        kids.forEach((c, i) => walk(c, exempt || (i === 0 && (filterName === 'default' || filterName === 'd'))));
        return;
      }
      case 'Pair':
        walk(n.value, exempt);
        return;
      case 'LookupVal':
        walk(n.target, exempt);
        walk(n.val, exempt);
        return;
      default:
        for (const f of n.fields ?? []) if (f !== 'children') walk(n[f], exempt);
    }
  };
  walk(root, false);
  return { ok: true, names: [...names] };
}

/** Evaluates an expression against a host's variables and registered results. Throws RenderError. */
export function evaluateExpression(engine: TemplateEngine, expr: string, ctx: Record<string, unknown>): boolean {
  const out = engine.renderString(expressionTemplate(expr), ctx, `expression "${bareExpression(expr)}"`);
  if (out === 'true') return true;
  if (out === 'false') return false;
  throw new RenderError(`expression "${expr}" did not yield a truth value`, 'expression', 1, 1);
}
