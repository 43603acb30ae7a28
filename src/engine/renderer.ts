import type { Renderer } from '../actions/action.js';
import type { Loc } from '../playbook/diagnostic.js';
import { evaluateExpression } from '../playbook/expression.js';
import type { TemplateEngine } from '../playbook/template/engine.js';
import { RenderError } from '../playbook/template/errors.js';
import type { TaskSpec } from '../playbook/types.js';
import { isMapping } from '../playbook/template/python.js';

/** Where the first of `keys` that was written in the task starts, else the task itself. */
export function taskLoc(task: TaskSpec, ...keys: string[]): Loc {
  for (const k of keys) {
    const l = task.locs[k];
    if (l) return l;
  }
  return task.loc;
}

/** A RenderError inside an inline template (a command, a dest) is reported where that value starts. */
export function renderMessage(err: unknown): string {
  return err instanceof RenderError ? err.message : String((err as Error)?.message ?? err);
}

/**
 * The per-play renderer actions use at run time, so the engine never needs to know about Nunjucks or the
 * template path. Errors carry the playbook location, or the template file's own for an error inside it.
 */
export function createRenderer(
  engine: TemplateEngine,
  file: string,
  engineFor?: (task: TaskSpec) => TemplateEngine,
): Renderer {
  const located = (task: TaskSpec, keys: string[], err: unknown): Error => {
    const loc = taskLoc(task, ...keys);
    return new Error(`${loc.file}:${loc.line}:${loc.col}: ${renderMessage(err)}`);
  };
  // A role's tasks find templates in the role: each task renders with its own directory's engine.
  const pick = (task: TaskSpec): TemplateEngine => engineFor?.(task) ?? engine;
  const value = (v: unknown, vars: Record<string, unknown>): unknown => {
    if (typeof v === 'string') {
      const lone = LONE_EXPRESSION.exec(v);
      if (lone) {
        const json = engine.renderString(`{{ (${lone[1]!}) | tojson }}`, vars, file);
        return json === '' ? undefined : (JSON.parse(json) as unknown);
      }
      return /\{\{|\{%/.test(v) ? engine.renderString(v, vars, file) : v;
    }
    if (Array.isArray(v)) return v.map((x) => value(x, vars));
    if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x, vars)]));
    return v;
  };
  return {
    text(task, keys, text, vars) {
      try {
        return pick(task).renderString(text, vars, file);
      } catch (err) {
        throw located(task, keys, err);
      }
    },
    file(task, keys, src, vars, newline) {
      try {
        return pick(task).renderFile(src, vars, newline);
      } catch (err) {
        if (err instanceof RenderError && err.file !== file)
          throw new Error(`${err.file}:${err.line}:${err.col}: ${err.message}`);
        throw located(task, keys, err);
      }
    },
    test(expr, vars) {
      try {
        return evaluateExpression(engine, expr, vars);
      } catch (err) {
        throw new Error(renderMessage(err));
      }
    },
    value(v, vars) {
      try {
        return value(v, vars);
      } catch (err) {
        throw new Error(renderMessage(err));
      }
    },
  };
}

const LONE_EXPRESSION = /^\s*\{\{((?:(?!\}\})[\s\S])*)\}\}\s*$/;
