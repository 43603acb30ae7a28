import { isAbsolute } from 'node:path';
import { displayPath } from '../load.js';
import { IncludeTooDeep, MAX_INCLUDE_DEPTH, SandboxViolation } from '../sandbox.js';
import { findBlockProblem, isBlockError } from './blocks.js';

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
export class UndefinedVariable extends Error {
  constructor(
    readonly variable: string,
    readonly template: string,
    readonly line: number,
    readonly col: number,
    /** The variable whose value is the template that named it, when the use went through one. */
    readonly through?: string,
  ) {
    super(`undefined variable "${variable}"${through ? ` (in the value of "${through}")` : ''}`);
  }
}

/**
 * Turns whatever nunjucks threw into a RenderError with a file, a line and a column. `source`, when given, is
 * the text that failed to compile: an unclosed block is then located where it opened.
 */
export function toRenderError(err: unknown, fallbackFile: string, source?: string): RenderError {
  // An include chain that ran too deep is said once, not once per level it was wrapped in.
  for (let e: unknown = err, i = 0; e && i < 2 * MAX_INCLUDE_DEPTH + 10; i++, e = (e as { cause?: unknown }).cause) {
    if (e instanceof IncludeTooDeep) {
      return new RenderError(e.message, isAbsolute(e.file) ? displayPath(e.file) : e.file, 1, 1);
    }
  }
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
  // Errors raised while rendering carry nunjucks' 0-based node positions; compile errors are 1-based already.
  const base = te.cause instanceof SandboxViolation ? 1 : 0;
  const line = Math.max(1, (te.lineno ?? (pos ? Number(pos[1]) : 1)) + base);
  const col = Math.max(1, (te.colno ?? (pos?.[2] ? Number(pos[2]) : 1)) + base);
  const named = path && path !== 'unknown path' ? path : fallbackFile;
  const file = isAbsolute(named) ? displayPath(named) : named;
  const block = source !== undefined && isBlockError(message) ? findBlockProblem(source) : null;
  if (block) return new RenderError(block.message, file, block.line, block.col);
  return new RenderError(
    message === 'attempted to output null or undefined value' ? 'output is null or undefined' : message,
    file,
    line,
    col,
  );
}

/** Template files are named relative to the working directory in every message. */
export function rethrowDisplayed(e: RenderError): never {
  const file = isAbsolute(e.file) ? displayPath(e.file) : e.file;
  throw new RenderError(e.message, file, e.line, e.col, e.variable);
}
