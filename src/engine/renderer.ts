import type { Renderer } from '../actions/action.js';
import type { Loc } from '../playbook/diagnostic.js';
import { evaluateExpression } from '../playbook/expression.js';
import type { TemplateEngine } from '../playbook/template/engine.js';
import { RenderError } from '../playbook/template/errors.js';
import type { TaskSpec } from '../playbook/types.js';

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
export function createRenderer(engine: TemplateEngine, file: string): Renderer {
  const located = (task: TaskSpec, keys: string[], err: unknown): Error => {
    const loc = taskLoc(task, ...keys);
    return new Error(`${loc.file}:${loc.line}:${loc.col}: ${renderMessage(err)}`);
  };
  return {
    text(task, keys, text, vars) {
      try {
        return engine.renderString(text, vars, file);
      } catch (err) {
        throw located(task, keys, err);
      }
    },
    file(task, keys, src, vars) {
      try {
        return engine.renderFile(src, vars);
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
  };
}
