import { readFileSync } from 'node:fs';
import type { Loc } from '../playbook/diagnostic.js';
import { bareExpression } from '../playbook/expression.js';
import {
  checkExpressionNames,
  checkTemplateFile,
  checkTemplateNames,
  type NameProblem,
} from '../playbook/template/check.js';
import { displayPath } from '../playbook/load.js';

/**
 * Places the offline name checks (filters, tests, methods, lookups, includes) of one task's expressions,
 * inline templates and template file at the name itself: inside a one-line YAML value the column is the
 * value's column plus the name's offset in it (past an opening quote); in a template file, its own position.
 */

interface LocatedProblem {
  loc: Loc;
  message: string;
  hint?: string;
}

const sourceLines = new Map<string, string[]>();

function lineOf(file: string, line: number): string | undefined {
  let lines = sourceLines.get(file);
  if (!lines) {
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      lines = [];
    }
    sourceLines.set(file, lines);
  }
  return lines[line - 1];
}

/** Where a problem at `p` (1-based, within `text`) sits in the YAML file, when `text` starts at `loc`. */
function inValue(loc: Loc, raw: string, text: string, p: NameProblem): Loc {
  if (raw.includes('\n') || p.line !== 1) return loc;
  const at = lineOf(loc.file, loc.line)?.[loc.col - 1];
  // A block scalar (`|`, `>`) starts on the next line; its indentation is not known here.
  if (at === '|' || at === '>') return loc;
  const quote = at === '"' || at === "'" ? 1 : 0;
  const offset = Math.max(0, raw.indexOf(text));
  return { file: loc.file, line: loc.line, col: loc.col + quote + offset + p.col - 1 };
}

function located(loc: Loc, p: NameProblem, prefix = ''): LocatedProblem {
  const out: LocatedProblem = { loc, message: `${prefix}${p.message}` };
  if (p.hint !== undefined) out.hint = p.hint;
  return out;
}

export function expressionNameProblems(expr: string, loc: Loc, label: string): LocatedProblem[] {
  const body = bareExpression(expr);
  return checkExpressionNames(body).map((p) => located(inValue(loc, expr, body, p), p, `${label}: `));
}

export function inlineTemplateNameProblems(text: string, loc: Loc, searchPath: string[]): LocatedProblem[] {
  if (!text.includes('{')) return [];
  return checkTemplateNames(text, { searchPath }).map((p) =>
    located(p.file ? { file: p.file, line: p.line, col: p.col } : inValue(loc, text, text, p), p),
  );
}

export function templateFileNameProblems(path: string, searchPath: string[]): LocatedProblem[] {
  return checkTemplateFile(path, { searchPath }).map((p) =>
    located({ file: p.file ?? displayPath(path), line: p.line, col: p.col }, p),
  );
}
