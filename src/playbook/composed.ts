import type { Diagnostic, Loc } from './diagnostic.js';
import type { LoadedYaml, YamlPath } from './load.js';

/** Where a value of the composed playbook was written: a file and the path inside it. */
export interface Origin {
  loaded: LoadedYaml;
  path: YamlPath;
}

/** What the loader learnt about a task beyond its keys: where its files live and which role it came from. */
export interface TaskContext {
  /** Directory whose templates/ (then ../templates/) holds the task's templates: the role's or the playbook's. */
  dir: string;
  role?: string;
  /** The role's defaults/main.yml: below inventory variables. */
  defaults?: Record<string, unknown>;
  /** Top-level section the task belongs to; handlers are flushed when a host leaves one. */
  section?: 'pre_tasks' | 'tasks' | 'post_tasks';
  /** A block the loader made (an import, a role), not one the user wrote: it never shows as a task of its own. */
  implicit?: boolean;
}

/**
 * The playbook after Ansible's static reuse was expanded (imports, roles, vars files) and its task syntax
 * normalised: one value the schema and the rules check, while every path still locates to the file and line
 * it came from. Subtrees copied as they were register their root; renamed keys register themselves.
 */
export class ComposedYaml implements LoadedYaml {
  readonly doc = undefined;
  readonly diagnostics: Diagnostic[] = [];
  value: unknown = undefined;
  private readonly origins = new Map<string, Origin>();
  readonly contexts = new WeakMap<object, TaskContext>();
  /** Tasks whose module was refused with its own diagnostic: "no action" would only repeat it. */
  readonly refused = new WeakSet<object>();

  constructor(readonly file: string) {}

  /** Records that the composed value at `path` was written at `origin`. */
  place(path: YamlPath, origin: Origin): void {
    this.origins.set(key(path), origin);
  }

  /** The file and the path in it that the composed `path` comes from, with the unmapped tail appended. */
  resolve(path: YamlPath): Origin | undefined {
    for (let i = path.length; i >= 0; i--) {
      const found = this.origins.get(key(path.slice(0, i)));
      if (found) return { loaded: found.loaded, path: [...found.path, ...path.slice(i)] };
    }
    return undefined;
  }

  locate(path: YamlPath, which: 'key' | 'value' = 'value'): Loc {
    const o = this.resolve(path);
    return o ? o.loaded.locate(o.path, which) : { file: this.file, line: 1, col: 1 };
  }

  locateKeys(path: YamlPath): Map<string, Loc> {
    const o = this.resolve(path);
    return o ? o.loaded.locateKeys(o.path) : new Map();
  }
}

function key(path: YamlPath): string {
  return path.join('\u0000');
}
