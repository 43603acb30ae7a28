import { existsSync, realpathSync } from 'node:fs';
import { readInputText } from '../input-file.js';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import nunjucks from 'nunjucks';
import { displayPath } from '../load.js';
import { jinjaSource } from './newlines.js';

/** The play's template path: `templates/` beside the playbook, then `../templates/` from it. */
export function templateSearchPath(playDir: string): string[] {
  return [resolve(playDir, 'templates'), resolve(playDir, '..', 'templates')];
}

export type TemplateLookup = { ok: true; path: string } | { ok: false; reason: 'escapes' | 'missing'; message: string };

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Finds `src` in the template path. A name that leaves it — `..`, an absolute path, or a symlink whose target
 * is outside — is refused even when the file exists, so a playbook can never push arbitrary local files.
 */
export function findTemplate(searchPath: string[], src: string): TemplateLookup {
  const shown = searchPath.map((d) => displayPath(d) + sep).join(', ');
  if (src.trim() === '') return { ok: false, reason: 'missing', message: 'template src is empty' };
  if (isAbsolute(src) || normalize(src).split(/[\\/]/).includes('..')) {
    return { ok: false, reason: 'escapes', message: `template "${src}" leaves the template path (${shown})` };
  }
  for (const root of searchPath) {
    const candidate = join(root, src);
    if (!existsSync(candidate)) continue;
    const real = realOrSelf(candidate);
    if (!inside(realOrSelf(root), real)) {
      return {
        ok: false,
        reason: 'escapes',
        message: `template "${src}" is a link that leaves the template path (${shown})`,
      };
    }
    return { ok: true, path: candidate };
  }
  return { ok: false, reason: 'missing', message: `template "${src}" not found in the template path (${shown})` };
}

/** Serves templates only from the template path; `{% include %}` goes through here too. */
export class TemplatePathLoader extends nunjucks.Loader {
  constructor(private readonly searchPath: string[]) {
    super();
  }

  private findAbsolute(path: string): TemplateLookup {
    for (const root of this.searchPath) {
      if (inside(root, path)) return findTemplate([root], relative(root, path));
    }
    return { ok: false, reason: 'escapes', message: `template "${displayPath(path)}" leaves the template path` };
  }

  getSource(name: string): nunjucks.LoaderSource {
    // Includes relative to a template arrive as absolute paths; name them as the user would.
    const found = isAbsolute(name) ? this.findAbsolute(name) : findTemplate(this.searchPath, name);
    if (!found.ok) throw new Error(found.message);
    let src: string;
    try {
      src = readInputText(found.path);
    } catch (err) {
      throw new Error(`cannot read template ${displayPath(found.path)}: ${(err as Error).message}`);
    }
    return { src: jinjaSource(src), path: found.path, noCache: false };
  }

  /** Whether a name resolves inside the template path (`{% include [a, b] %}` renders the first that does). */
  rbHas(name: string): boolean {
    return findTemplate(this.searchPath, name).ok;
  }
}
