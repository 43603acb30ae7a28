import { readFileSync, statSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { displayPath } from '../load.js';
import { RenderError, rethrowDisplayed, toRenderError } from './errors.js';
import { installCatalog } from './filters.js';
import { findTemplate, TemplatePathLoader } from './jail.js';
import {
  installNewlineSequence,
  jinjaSource,
  type NewlineSequence,
  restoreTrailingNewlines,
  trailingNewlines,
} from './newlines.js';
import { installPythonSemantics } from './python-syntax.js';
import { installStrictUndefined } from './strict.js';
import { installSandbox } from '../sandbox.js';

/**
 * One strict Nunjucks environment per template path. Compiled templates and inline strings are cached, so
 * rendering the same template for 10,000 hosts compiles it once.
 */
export class TemplateEngine {
  readonly env: nunjucks.Environment;
  private readonly inline = new Map<string, nunjucks.Template>();
  private readonly tails = new Map<string, string>();
  /** Environments for a template module's other newline_sequence, made when first asked for. */
  private readonly byNewline = new Map<NewlineSequence, nunjucks.Environment>();

  constructor(readonly searchPath: string[]) {
    installSandbox();
    installStrictUndefined();
    installPythonSemantics();
    installNewlineSequence((nunjucks as unknown as { lexer: Parameters<typeof installNewlineSequence>[0] }).lexer);
    this.env = this.environment('\n');
  }

  private environment(newline: NewlineSequence): nunjucks.Environment {
    // dev: keep nunjucks' own error objects (with positions and causes) instead of flattened copies.
    // trimBlocks as Ansible sets it: the newline after a block tag is dropped.
    const env = new nunjucks.Environment(new TemplatePathLoader(this.searchPath), {
      autoescape: false,
      throwOnUndefined: true,
      dev: true,
      trimBlocks: true,
      ...(newline === '\n' ? {} : { rbNewline: newline }),
    } as nunjucks.ConfigureOptions);
    installCatalog(env as Parameters<typeof installCatalog>[0], {
      searchPath: this.searchPath,
      find: findTemplate,
      renderTemplate: (name, vars) => this.renderFile(name, vars),
    });
    return env;
  }

  private envFor(newline: NewlineSequence): nunjucks.Environment {
    if (newline === '\n') return this.env;
    let env = this.byNewline.get(newline);
    if (!env) this.byNewline.set(newline, (env = this.environment(newline)));
    return env;
  }

  /** The final newlines of a template file, read once per file. */
  private sourceTail(path: string): string {
    let tail = this.tails.get(path);
    if (tail === undefined) this.tails.set(path, (tail = trailingNewlines(readFileSync(path, 'utf8'))));
    return tail;
  }

  /** Compiles a template file now, so syntax errors surface without rendering. */
  compileFile(src: string): void {
    const found = findTemplate(this.searchPath, src);
    if (!found.ok) throw new RenderError(found.message, src, 1, 1);
    try {
      this.env.getTemplate(src, true);
    } catch (err) {
      throw toRenderError(err, displayPath(found.path), sourceOf(found.path));
    }
  }

  /** Renders a template file; `newline` is the template module's newline_sequence (Jinja2's, as Ansible sets it). */
  renderFile(src: string, ctx: Record<string, unknown>, newline: NewlineSequence = '\n'): string {
    let tmpl: nunjucks.Template;
    try {
      tmpl = this.envFor(newline).getTemplate(src, true);
    } catch (err) {
      const found = findTemplate(this.searchPath, src);
      if (!found.ok) throw new RenderError(found.message, src, 1, 1);
      throw toRenderError(err, displayPath(found.path), sourceOf(found.path));
    }
    try {
      const path = (tmpl as unknown as { path?: string }).path;
      return restoreTrailingNewlines(path ? this.sourceTail(path) : '', tmpl.render(ctx), newline);
    } catch (err) {
      const e = toRenderError(err, (tmpl as unknown as { path?: string }).path ?? src);
      return rethrowDisplayed(e);
    }
  }

  /** Compiles (once) an inline template such as a command; `name` is how errors name it. */
  compileString(text: string, name: string): nunjucks.Template {
    const key = `${name}\u0000${text}`;
    let t = this.inline.get(key);
    if (!t) {
      try {
        t = new nunjucks.Template(jinjaSource(text), this.env, name, true);
      } catch (err) {
        throw toRenderError(err, name, text);
      }
      this.inline.set(key, t);
    }
    return t;
  }

  renderString(text: string, ctx: Record<string, unknown>, name: string): string {
    // Most commands hold no template syntax at all; skip nunjucks for them.
    if (!text.includes('{')) return text;
    const t = this.compileString(text, name);
    try {
      return restoreTrailingNewlines(trailingNewlines(text), t.render(ctx));
    } catch (err) {
      throw toRenderError(err, name);
    }
  }
}

/** The text of a template that failed to compile, to locate an unclosed block in it. */
function sourceOf(path: string): string | undefined {
  try {
    // Only a regular file of sane size: a FIFO or a device would block or never end.
    const st = statSync(path);
    if (!st.isFile() || st.size > 1_000_000) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
