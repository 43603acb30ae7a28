import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  BOOLEAN_KEYWORDS,
  FREE_FORM_MODULES,
  REFUSED_KEYWORDS,
  REFUSED_PLAY_KEYWORDS,
  TASK_KEYWORDS,
  ansibleBoolean,
  parseKeyValues,
  shellJoin,
  shortModuleName,
} from './ansible-task.js';
import { ComposedYaml, type Origin, type TaskContext } from './composed.js';
import { diagnostic } from './diagnostic.js';
import { badSubsets, SUBSET_HINT } from './gather-subset.js';
import { displayPath, loadYamlFile, type LoadedYaml, type YamlPath } from './load.js';

/**
 * Ansible's static reuse, expanded while loading so validate and plan see every task with its own file:line:
 * import_playbook, vars_files, roles (tasks, handlers, defaults, vars, meta dependencies), import_role and
 * import_tasks, pre_tasks/post_tasks; dynamic includes are loaded too when their names are plain, so their
 * tasks are checked before the run. Imports are blocks the user did not write (their keywords apply to every
 * task inside, as Ansible applies them). No file outside the playbook's directory or a roles path is read.
 */
export interface ComposeOptions {
  /** Extra role directories (ANSIBLE_ROLES_PATH), searched after roles/ beside the playbook. */
  rolesPath?: readonly string[];
  /** Actions the task schema defines (command, template, …): the modules an Ansible name may map to. */
  actions: ReadonlySet<string>;
}

type YamlMap = Record<string, unknown>;

function isMap(v: unknown): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TASK_FILE_NAMES = ['main.yml', 'main.yaml', 'main'];
const MAX_IMPORT_DEPTH = 32;

/** Where a list of tasks is being composed: which file and directories relative names resolve against. */
interface Scope {
  /** Directory of the file being read: import_tasks names resolve here first. */
  fileDir: string;
  context: TaskContext;
  /** The role's own tasks/ directory, searched after fileDir. */
  roleTasksDir?: string;
  /** Handlers a role brings; they join the play's handlers. */
  handlers: unknown[];
  /** Where the play's handlers list is in the composed value. */
  handlersPath: YamlPath;
  /** Files being imported, outermost first: a file importing itself would never end. */
  stack: string[];
}

export function composePlaybook(root: LoadedYaml, absolutePath: string, opts: ComposeOptions): ComposedYaml {
  return new Composer(root, absolutePath, opts).compose();
}

class Composer {
  private readonly out: ComposedYaml;
  private readonly roots: string[];
  private readonly roleDirs: string[];
  private readonly playbookDir: string;

  constructor(
    private readonly root: LoadedYaml,
    absolutePath: string,
    private readonly opts: ComposeOptions,
  ) {
    this.out = new ComposedYaml(root.file);
    this.playbookDir = dirname(absolutePath);
    this.roleDirs = [
      join(this.playbookDir, 'roles'),
      ...(opts.rolesPath ?? []).map((p) => resolve(this.playbookDir, p)),
      this.playbookDir,
    ];
    this.roots = [this.playbookDir, ...(opts.rolesPath ?? []).map((p) => resolve(this.playbookDir, p))].map(real);
  }

  compose(): ComposedYaml {
    const value = this.root.value;
    const at = { loaded: this.root, path: [] as YamlPath };
    this.out.place([], at);
    if (Array.isArray(value)) {
      this.out.value = this.plays(value, at, [], this.playbookDir, [this.root.file]);
    } else if (isMap(value)) {
      const play = this.play(value, at, [], this.playbookDir);
      this.out.contexts.set(play, { dir: this.playbookDir });
      this.out.value = play;
    } else {
      this.out.value = value;
    }
    return this.out;
  }

  private problem(origin: Origin, message: string, hint?: string, which: 'key' | 'value' = 'value'): void {
    this.out.diagnostics.push(diagnostic(origin.loaded.locate(origin.path, which), message, hint));
  }

  // ---- plays -------------------------------------------------------------------------------------------

  /** Plays of `list` appended to `into`, whose place in the composed value is `v`. */
  private plays(
    list: unknown[],
    origin: Origin,
    v: YamlPath,
    dir: string,
    stack: string[],
    into: unknown[] = [],
  ): unknown[] {
    list.forEach((entry, i) => {
      const o = { loaded: origin.loaded, path: [...origin.path, i] };
      if (isMap(entry) && 'import_playbook' in entry) {
        this.importPlaybook(entry, o, v, dir, stack, into);
        return;
      }
      const at = [...v, into.length];
      this.out.place(at, o);
      if (!isMap(entry)) {
        into.push(entry);
        return;
      }
      const play = this.play(entry, o, at, dir);
      this.out.contexts.set(play, { dir });
      into.push(play);
    });
    return into;
  }

  private importPlaybook(
    entry: YamlMap,
    origin: Origin,
    v: YamlPath,
    dir: string,
    stack: string[],
    into: unknown[],
  ): void {
    const at = { loaded: origin.loaded, path: [...origin.path, 'import_playbook'] };
    for (const k of Object.keys(entry)) {
      if (!['import_playbook', 'name', 'vars', 'tags', 'when'].includes(k)) {
        this.problem(
          { loaded: origin.loaded, path: [...origin.path, k] },
          `import_playbook does not take "${k}"`,
          undefined,
          'key',
        );
      }
    }
    if ('when' in entry) {
      this.problem(
        { loaded: origin.loaded, path: [...origin.path, 'when'] },
        'a condition on import_playbook is not supported',
        "put the condition on the imported plays' tasks",
        'key',
      );
    }
    const file = this.file(entry.import_playbook, dir, at, 'import_playbook', stack);
    if (file === null) return;
    if (!Array.isArray(file.loaded.value)) {
      if (file.loaded.value !== null)
        this.problem({ loaded: file.loaded, path: [] }, 'an imported playbook must be a list of plays');
      return;
    }
    const first = into.length;
    this.plays(
      file.loaded.value,
      { loaded: file.loaded, path: [] },
      v,
      dirname(file.path),
      [...stack, file.loaded.file],
      into,
    );
    // The import's vars and tags reach every play it brings, as Ansible applies them.
    for (let i = first; i < into.length; i++) {
      const p = into[i];
      if (!isMap(p)) continue;
      if (isMap(entry.vars)) {
        p.vars = { ...(isMap(p.vars) ? p.vars : {}), ...entry.vars };
        for (const k of Object.keys(entry.vars))
          this.out.place([...v, i, 'vars', k], { loaded: origin.loaded, path: [...origin.path, 'vars', k] });
      }
      if (entry.tags !== undefined) p.tags = [...(tagList(entry.tags) as unknown[]), ...(tagList(p.tags) as unknown[])];
    }
  }

  private play(play: YamlMap, origin: Origin, v: YamlPath, dir: string): YamlMap {
    const out: YamlMap = {};
    const handlers: unknown[] = [];
    const base: Omit<Scope, 'context'> = {
      fileDir: dir,
      handlers,
      handlersPath: [...v, 'handlers'],
      stack: [origin.loaded.file],
    };
    const sub = (k: string): Origin => ({ loaded: origin.loaded, path: [...origin.path, k] });
    for (const [k, value] of Object.entries(play)) {
      if (k in REFUSED_PLAY_KEYWORDS) {
        this.problem(sub(k), `play keyword "${k}" is not supported`, REFUSED_PLAY_KEYWORDS[k], 'key');
        continue;
      }
      if (['pre_tasks', 'tasks', 'post_tasks', 'handlers', 'roles', 'vars_files', 'rescue'].includes(k)) continue;
      if (BOOLEAN_KEYWORDS.has(k)) {
        out[k] = ansibleBoolean(value) ?? value;
        continue;
      }
      out[k] = k === 'tags' ? tagList(value) : value;
    }
    for (const s of badSubsets(out.gather_subset))
      this.problem(sub('gather_subset'), `gather_subset: "${s}" is not a subset`, SUBSET_HINT);
    if ('vars_files' in play) out.vars = this.varsFiles(play.vars_files, sub('vars_files'), out.vars, v, dir);

    const section = (name: 'pre_tasks' | 'tasks' | 'post_tasks', prefix: unknown[] = []): void => {
      const list = play[name];
      if (list !== undefined && !Array.isArray(list)) {
        // Not a list: the schema says so at the key.
        out[name] = list;
        return;
      }
      if (list === undefined && prefix.length === 0) return;
      if (list !== undefined) this.out.place([...v, name], sub(name));
      const context: TaskContext = { dir, section: name };
      const tasks = Array.isArray(list)
        ? this.taskList(list, sub(name), [...v, name], { ...base, context }, prefix.length)
        : [];
      for (const p of prefix)
        if (isMap(p)) this.out.contexts.set(p, { ...(this.out.contexts.get(p) ?? { dir }), section: name });
      out[name] = [...prefix, ...tasks];
    };
    section('pre_tasks');
    const roles =
      'roles' in play
        ? this.roles(play.roles, sub('roles'), [...v, 'tasks'], { ...base, context: { dir, section: 'tasks' } })
        : [];
    section('tasks', roles);
    // A play of roles or pre/post tasks only has an empty task list, as Ansible gives it.
    if (out.tasks === undefined && ('roles' in play || 'pre_tasks' in play || 'post_tasks' in play)) out.tasks = [];
    section('post_tasks');
    if (play.handlers !== undefined && !Array.isArray(play.handlers)) {
      out.handlers = play.handlers;
    } else {
      // Role handlers come first, as Ansible lists them before the play's own.
      const own = Array.isArray(play.handlers)
        ? this.taskList(
            play.handlers,
            sub('handlers'),
            [...v, 'handlers'],
            { ...base, context: { dir } },
            handlers.length,
          )
        : [];
      if (play.handlers !== undefined) this.out.place([...v, 'handlers'], sub('handlers'));
      if (own.length > 0 || handlers.length > 0) out.handlers = [...handlers, ...own];
    }
    if (play.rescue !== undefined) {
      this.out.place([...v, 'rescue'], sub('rescue'));
      out.rescue = Array.isArray(play.rescue)
        ? this.taskList(play.rescue, sub('rescue'), [...v, 'rescue'], { ...base, context: { dir } })
        : play.rescue;
    }
    return out;
  }

  private varsFiles(list: unknown, origin: Origin, vars: unknown, v: YamlPath, dir: string): unknown {
    const merged: YamlMap = isMap(vars) ? { ...vars } : {};
    const entries = Array.isArray(list) ? list : [list];
    entries.forEach((name, i) => {
      const at = Array.isArray(list) ? { loaded: origin.loaded, path: [...origin.path, i] } : origin;
      const file = this.file(Array.isArray(name) ? name[0] : name, dir, at, 'vars_files', []);
      if (file === null) return;
      const value = file.loaded.value;
      if (value === null || value === undefined) return;
      if (!isMap(value)) {
        this.problem({ loaded: file.loaded, path: [] }, 'a vars file must be a mapping of variable names to values');
        return;
      }
      for (const [k, val] of Object.entries(value)) {
        merged[k] = val;
        this.out.place([...v, 'vars', k], { loaded: file.loaded, path: [k] });
      }
    });
    return merged;
  }

  // ---- files ---------------------------------------------------------------------------------------------

  /**
   * Reads a file named by the playbook: relative to `dir` (then `alsoIn`), never absolute, never outside the
   * playbook's directory or a roles path (after symlinks), never a template.
   */
  private file(
    name: unknown,
    dir: string,
    at: Origin,
    keyword: string,
    stack: readonly string[],
    alsoIn: readonly string[] = [],
  ): { path: string; loaded: LoadedYaml } | null {
    if (typeof name !== 'string' || name.trim() === '') {
      this.problem(at, `${keyword}: expected a file name`);
      return null;
    }
    if (/\{\{|\{%/.test(name)) {
      this.problem(
        at,
        `${keyword}: a templated file name cannot be checked before the run`,
        'name the file, or use include_tasks / include_vars / include_role, which render their names per host',
      );
      return null;
    }
    if (isAbsolute(name)) {
      this.problem(at, `${keyword}: absolute paths are refused`, 'name the file relative to the playbook');
      return null;
    }
    const candidates = [dir, ...alsoIn]
      .map((d) => resolve(d, name))
      .filter((c) => this.roots.some((r) => inside(r, c) || inside(real(r), c)));
    if (candidates.length === 0) {
      this.problem(
        at,
        `${keyword}: ${name} is outside the playbook's directory`,
        'keep imported files beside the playbook or in a roles path',
      );
      return null;
    }
    const path = candidates.find((c) => existsSync(c)) ?? candidates[0]!;
    if (!existsSync(path)) {
      this.problem(at, `${keyword}: no such file: ${name}`);
      return null;
    }
    const realPath = real(path);
    if (!this.roots.some((r) => inside(r, realPath))) {
      this.problem(
        at,
        `${keyword}: ${name} is outside the playbook's directory`,
        'keep imported files beside the playbook or in a roles path',
      );
      return null;
    }
    if (stack.includes(displayPath(path)) || stack.length > MAX_IMPORT_DEPTH) {
      this.problem(at, `${keyword}: ${name} imports itself (${[...stack, displayPath(path)].join(' → ')})`);
      return null;
    }
    // Vars files (and a role's defaults and vars) are all variables; elsewhere only what is under `vars`.
    const varsFile =
      keyword === 'vars_files' || keyword === 'include_vars' || /[\\/](defaults|vars)[\\/][^\\/]+$/.test(path);
    const loaded = loadYamlFile(path, displayPath(path), { floats: varsFile ? 'all' : 'vars' });
    this.out.diagnostics.push(...loaded.diagnostics);
    return loaded.diagnostics.length > 0 ? null : { path, loaded };
  }

  /**
   * What a templated include name can name, each checked now: with a loop written out and the name made of
   * its loop variable, exactly the items' names; otherwise every file (or role directory) its static parts
   * match in `dirs`, the first directory winning as it would when the name is rendered. A name whose every
   * part is templated (`"{{ f }}"`, `"{{ f }}.yml"`) keeps only the files whose content fits (`fits`), so
   * the playbook itself and its inventory are not taken for tasks. None at all is an error now.
   */
  private choices(
    name: string,
    raw: YamlMap,
    dirs: readonly string[],
    at: Origin,
    keyword: string,
    fits: ((value: unknown) => boolean) | null,
    usable: (path: string) => boolean = (path) => statSync(path).isFile(),
  ): Array<{ name: string; dir: string }> {
    if (/^\//.test(name) || name.split('/').includes('..')) {
      this.problem(at, `${keyword}: ${name} is outside the playbook's directory`);
      return [];
    }
    const exact = loopNames(name, raw);
    const pattern = namePattern(name);
    const loose =
      exact === null && /^[^/]*$/.test(name) && !/[\w-]/.test(name.replace(TEMPLATE_PART, '').replace(/\.ya?ml$/, ''));
    const out: Array<{ name: string; dir: string }> = [];
    const seen = new Set<string>();
    for (const dir of dirs) {
      const names = exact ?? matchingNames(dir, pattern, name);
      for (const n of names) {
        const path = resolve(dir, n);
        if (seen.has(n) || !existsSync(path) || !usable(path)) continue;
        if (!this.roots.some((r) => inside(r, real(path)))) continue;
        if (loose && fits && !fits(peek(path))) continue;
        seen.add(n);
        out.push({ name: n, dir });
      }
    }
    if (out.length === 0) {
      const what = exact ? exact.join(', ') : name.replace(TEMPLATE_PART, '*');
      this.problem(at, `${keyword}: no ${keyword === 'include_role' ? 'role' : 'file'} matches ${what}`);
    }
    return out;
  }

  // ---- tasks ---------------------------------------------------------------------------------------------

  private taskList(list: unknown[], origin: Origin, v: YamlPath, scope: Scope, start = 0): unknown[] {
    return list.map((raw, i) => {
      const o = { loaded: origin.loaded, path: [...origin.path, i] };
      const at = [...v, start + i];
      this.out.place(at, o);
      return isMap(raw) ? this.task(raw, o, at, scope) : raw;
    });
  }

  private task(raw: YamlMap, origin: Origin, v: YamlPath, scope: Scope): YamlMap {
    const out: YamlMap = {};
    this.out.contexts.set(out, { ...scope.context });
    const sub = (k: string | number): Origin => ({ loaded: origin.loaded, path: [...origin.path, k] });
    const rename = (from: string, to: string): void => this.out.place([...v, to], sub(from));

    if ('import_tasks' in raw) return this.importTasks(raw, origin, v, scope, out);
    if ('import_role' in raw) return this.importRole(raw, origin, v, scope, out);

    for (const [key, value] of Object.entries(raw)) {
      if (key === 'args') continue;
      if (key === 'block' || key === 'rescue' || key === 'always') {
        out[key] = Array.isArray(value) ? this.taskList(value, sub(key), [...v, key], scope) : value;
        continue;
      }
      if (key === 'include_tasks') {
        out.include_tasks = this.includeTasks(value, raw.args, sub(key), [...v, key], scope, raw);
        continue;
      }
      if (key === 'include_role') {
        out.include_role = this.includeRole(value, sub(key), [...v, key], scope, raw);
        continue;
      }
      if (key === 'include_vars') {
        out.include_vars = this.includeVars(value, sub(key), scope, raw);
        continue;
      }
      if (key === 'local_action' || key === 'action') {
        const parsed = this.actionKeyword(value, sub(key), key);
        if (parsed) {
          out[parsed.module] = this.moduleArgs(parsed.module, parsed.args, raw.args, sub(key), [...v, parsed.module]);
          rename(key, parsed.module);
          if (key === 'local_action') out.delegate_to = 'localhost';
        }
        continue;
      }
      if (key === 'delay') {
        out.retry_delay = value;
        rename('delay', 'retry_delay');
        continue;
      }
      if (key === 'tags') {
        out.tags = tagList(value);
        continue;
      }
      if (key === 'notify' || key === 'listen') {
        out[key] = typeof value === 'string' ? [value] : value;
        continue;
      }
      if (BOOLEAN_KEYWORDS.has(key)) {
        out[key] = ansibleBoolean(value) ?? value;
        continue;
      }
      if (TASK_KEYWORDS.has(key)) {
        out[key] = value;
        continue;
      }
      if (key in REFUSED_KEYWORDS) {
        this.problem(sub(key), `task keyword "${key}" is not supported`, REFUSED_KEYWORDS[key], 'key');
        continue;
      }
      if (key.startsWith('with_')) {
        this.problem(
          sub(key),
          `loop "${key}" is not supported`,
          'use loop:, with_items, with_list, with_dict or with_indexed_items',
          'key',
        );
        continue;
      }
      const module = actionFor(shortModuleName(key), this.opts.actions);
      if (this.opts.actions.has(module)) {
        out[module] = this.moduleArgs(module, value, raw.args, sub(key), [...v, module]);
        if (module !== key) rename(key, module);
        continue;
      }
      // A collection name (ansible.builtin.apt) is surely a module; a short unknown name may be a misspelt
      // keyword too, which the schema reports with the modules runbook has and the nearest spelling.
      if (key.includes('.')) {
        this.out.refused.add(out);
        this.problem(
          sub(key),
          `module "${key}" is not supported by runbook`,
          `runbook's modules: ${[...this.opts.actions].join(', ')}; a command: task can do what the module did`,
          'key',
        );
        continue;
      }
      // Neither keyword nor module: the schema reports it as an unknown key, with its nearest spelling.
      out[key] = value;
    }
    if ('args' in raw && !Object.keys(out).some((k) => this.opts.actions.has(k))) out.args = raw.args;
    return out;
  }

  /** `local_action: command ls` / `action: {module: command, cmd: ls}` → the module and its arguments. */
  private actionKeyword(value: unknown, origin: Origin, key: string): { module: string; args: unknown } | null {
    if (typeof value === 'string') {
      const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(value);
      if (m) {
        const module = actionFor(shortModuleName(m[1]!), this.opts.actions);
        if (this.opts.actions.has(module)) return { module, args: m[2]! };
        this.problem(origin, `${key}: module "${m[1]!}" is not supported by runbook`);
        return null;
      }
    }
    if (isMap(value) && typeof value.module === 'string') {
      const module = actionFor(shortModuleName(value.module), this.opts.actions);
      const { module: _ignored, ...args } = value;
      if (this.opts.actions.has(module)) return { module, args };
      this.problem(origin, `${key}: module "${value.module}" is not supported by runbook`);
      return null;
    }
    this.problem(origin, `${key}: expected "MODULE ARGS" or a mapping with "module"`);
    return null;
  }

  /**
   * A module's arguments in runbook's form: `k=v` strings become mappings, a command's free-form line with
   * its own options (chdir=, creates=) becomes `{cmd, chdir, …}`, `argv` becomes one quoted line, and the
   * task's `args:` are merged in (the module's own arguments win, as in Ansible).
   */
  private moduleArgs(module: string, value: unknown, extra: unknown, origin: Origin, v: YamlPath): unknown {
    const freeForm = FREE_FORM_MODULES.has(module);
    let args: YamlMap | null;
    if (typeof value === 'string') {
      args = parseKeyValues(value, freeForm);
      if (args === null) {
        this.problem(origin, `${module}: unbalanced quotes in the arguments`);
        return value;
      }
      if (Object.keys(args).length === 1 && 'cmd' in args && extra === undefined) return value;
    } else if (isMap(value)) {
      args = { ...value };
    } else if (value === null || value === undefined) {
      args = {};
    } else {
      return value;
    }
    if (isMap(extra)) {
      for (const [k, val] of Object.entries(extra)) {
        if (!(k in args)) {
          args[k] = val;
          this.out.place([...v, k], { loaded: origin.loaded, path: [...origin.path.slice(0, -1), 'args', k] });
        }
      }
    }
    if (freeForm && Array.isArray(args.argv) && args.cmd === undefined) {
      args.cmd = shellJoin(args.argv);
      delete args.argv;
      this.out.place([...v, 'cmd'], { loaded: origin.loaded, path: [...origin.path, 'argv'] });
    }
    if (module === 'assert' && 'fail_msg' in args && !('msg' in args)) {
      args.msg = args.fail_msg;
      delete args.fail_msg;
      this.out.place([...v, 'msg'], { loaded: origin.loaded, path: [...origin.path, 'fail_msg'] });
    }
    if (freeForm && Object.keys(args).length === 1 && typeof args.cmd === 'string') return args.cmd;
    return args;
  }

  private importTasks(raw: YamlMap, origin: Origin, v: YamlPath, scope: Scope, out: YamlMap): YamlMap {
    const at = { loaded: origin.loaded, path: [...origin.path, 'import_tasks'] };
    const name = raw.import_tasks;
    const file = this.file(
      name,
      scope.fileDir,
      at,
      'import_tasks',
      scope.stack,
      [scope.roleTasksDir, this.playbookDir].filter((d): d is string => !!d),
    );
    const tasks =
      file === null
        ? []
        : this.tasksOf(file, v, { ...scope, fileDir: dirname(file.path), stack: [...scope.stack, file.loaded.file] });
    return this.implicitBlock(raw, origin, v, scope, out, tasks, ['import_tasks']);
  }

  private tasksOf(file: { loaded: LoadedYaml }, v: YamlPath, scope: Scope): unknown[] {
    const value = file.loaded.value;
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem({ loaded: file.loaded, path: [] }, 'a tasks file must be a list of tasks');
      return [];
    }
    return this.taskList(value, { loaded: file.loaded, path: [] }, [...v, 'block'], scope);
  }

  /** An import as a block of its tasks: the import's keywords (when, tags, vars, become…) apply to each. */
  private implicitBlock(
    raw: YamlMap,
    origin: Origin,
    v: YamlPath,
    scope: Scope,
    out: YamlMap,
    tasks: unknown[],
    skip: string[],
  ): YamlMap {
    const keywords: YamlMap = {};
    for (const [k, val] of Object.entries(raw)) {
      if (skip.includes(k) || k === 'name') continue;
      keywords[k] = val;
    }
    const block = this.task(keywords, origin, v, scope);
    Object.assign(out, block, { block: tasks });
    this.out.contexts.set(out, { ...scope.context, ...this.out.contexts.get(block), implicit: true });
    return out;
  }

  // ---- roles ---------------------------------------------------------------------------------------------

  private roles(list: unknown, origin: Origin, v: YamlPath, scope: Scope): unknown[] {
    if (!Array.isArray(list)) {
      this.problem(origin, 'roles: expected a list of role names or mappings with "role"');
      return [];
    }
    const seen = new Set<string>();
    const blocks: unknown[] = [];
    list.forEach((entry, i) => {
      const o = { loaded: origin.loaded, path: [...origin.path, i] };
      blocks.push(...this.role(entry, o, [...v, blocks.length], scope, seen, 'tasks'));
    });
    return blocks;
  }

  /** A role (and first its meta dependencies) as implicit blocks, its handlers joining the play's. */
  private role(
    entry: unknown,
    origin: Origin,
    v: YamlPath,
    scope: Scope,
    seen: Set<string>,
    from: string,
    depth = 0,
  ): unknown[] {
    const spec: YamlMap = typeof entry === 'string' ? { role: entry } : isMap(entry) ? { ...entry } : {};
    const nameKey = 'role' in spec ? 'role' : 'name';
    const name = spec[nameKey];
    const nameAt = typeof entry === 'string' ? origin : { loaded: origin.loaded, path: [...origin.path, nameKey] };
    if (typeof name !== 'string' || name === '') {
      this.problem(origin, 'a role needs a name: a string, or a mapping with "role"');
      return [];
    }
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(name)) {
      this.problem(
        nameAt,
        `role "${name}" from a collection is not supported`,
        'copy the role into roles/ beside the playbook',
      );
      return [];
    }
    const dir = this.roleDir(name, nameAt);
    if (dir === null || depth > MAX_IMPORT_DEPTH) return [];
    const params: YamlMap = {};
    const keywords: YamlMap = {};
    for (const [k, val] of Object.entries(spec)) {
      if (k === nameKey || k === 'tasks_from' || k === 'handlers_from' || k === 'defaults_from' || k === 'vars_from')
        continue;
      if (k === 'vars' && isMap(val)) Object.assign(params, val);
      else if (TASK_KEYWORDS.has(k) || k in REFUSED_KEYWORDS) keywords[k] = val;
      else params[k] = val;
    }
    // Ansible runs a role once per play unless it is given different parameters.
    const identity = `${dir}\u0000${from}\u0000${JSON.stringify(params)}`;
    if (seen.has(identity)) return [];
    seen.add(identity);

    const roleFile = (sub: string, wanted: unknown): { path: string; loaded: LoadedYaml } | null => {
      const base = typeof wanted === 'string' ? wanted : 'main';
      for (const n of base === 'main' ? TASK_FILE_NAMES : [base, `${base}.yml`, `${base}.yaml`]) {
        const p = join(dir, sub, n);
        if (existsSync(p) && statSync(p).isFile())
          return this.file(relative(dir, p), dir, nameAt, `role ${name}`, scope.stack);
      }
      if (typeof wanted === 'string') this.problem(nameAt, `role ${name}: no ${sub}/${wanted} file`);
      return null;
    };
    const mapOf = (f: { loaded: LoadedYaml } | null): YamlMap => (f && isMap(f.loaded.value) ? f.loaded.value : {});
    const defaults = mapOf(roleFile('defaults', spec.defaults_from));
    const roleVars = mapOf(roleFile('vars', spec.vars_from));
    const metaFile = roleFile('meta', undefined);
    const meta = mapOf(metaFile);

    const blocks: unknown[] = [];
    const deps = Array.isArray(meta.dependencies) ? meta.dependencies : [];
    deps.forEach((dep, i) => {
      const o = metaFile ? { loaded: metaFile.loaded, path: ['dependencies', i] } : origin;
      blocks.push(
        ...this.role(dep, o, [...v.slice(0, -1), Number(v.at(-1)) + blocks.length], scope, seen, 'tasks', depth + 1),
      );
    });

    const context: TaskContext = { ...scope.context, dir, role: name, defaults };
    const roleScope: Scope = { ...scope, fileDir: join(dir, 'tasks'), roleTasksDir: join(dir, 'tasks'), context };
    const at = [...v.slice(0, -1), Number(v.at(-1)) + blocks.length];
    const tasksFile = roleFile('tasks', spec.tasks_from);
    const tasks = tasksFile
      ? this.tasksOf(tasksFile, at, { ...roleScope, stack: [...scope.stack, tasksFile.loaded.file] })
      : [];
    const handlersFile = roleFile('handlers', spec.handlers_from);
    if (handlersFile && Array.isArray(handlersFile.loaded.value)) {
      const start = scope.handlers.length;
      const handlerScope = {
        ...roleScope,
        context: { dir, role: name, defaults },
        stack: [...scope.stack, handlersFile.loaded.file],
      };
      scope.handlers.push(
        ...this.taskList(
          handlersFile.loaded.value,
          { loaded: handlersFile.loaded, path: [] },
          scope.handlersPath,
          handlerScope,
          start,
        ),
      );
    }
    const block: YamlMap = {};
    const vars = { ...roleVars, ...params };
    const inner = this.task({ ...keywords, ...(Object.keys(vars).length > 0 ? { vars } : {}) }, origin, at, roleScope);
    Object.assign(block, inner, { block: tasks });
    this.out.place(at, origin);
    this.out.contexts.set(block, { ...context, implicit: true });
    blocks.push(block);
    return blocks;
  }

  private roleDir(name: string, at: Origin): string | null {
    if (isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
      this.problem(at, `role "${name}": a role is named, not given as a path outside the playbook`);
      return null;
    }
    for (const base of this.roleDirs) {
      const dir = resolve(base, name);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      if (!this.roots.some((r) => inside(r, real(dir)))) {
        this.problem(at, `role "${name}" is outside the playbook's directory and the roles path`);
        return null;
      }
      return dir;
    }
    this.problem(at, `role "${name}" not found`, `looked in ${this.roleDirs.map((d) => displayPath(d)).join(', ')}`);
    return null;
  }

  private importRole(raw: YamlMap, origin: Origin, v: YamlPath, scope: Scope, out: YamlMap): YamlMap {
    const spec = raw.import_role;
    const at = { loaded: origin.loaded, path: [...origin.path, 'import_role'] };
    if (!isMap(spec)) {
      this.problem(at, 'import_role: expected a mapping with "name"');
      return out;
    }
    const blocks = this.role(
      { role: spec.name, ...pick(spec, ['tasks_from', 'handlers_from', 'vars_from', 'defaults_from']) },
      at,
      [...v, 'block', 0],
      scope,
      new Set(),
      'import',
    );
    return this.implicitBlock(raw, origin, v, scope, out, blocks, ['import_role']);
  }

  private includeTasks(
    value: unknown,
    extra: unknown,
    origin: Origin,
    v: YamlPath,
    scope: Scope,
    raw: YamlMap,
  ): unknown {
    const spec = isMap(value) ? value : isMap(extra) ? { file: value, ...extra } : { file: value };
    const fileAt = isMap(value) ? { loaded: origin.loaded, path: [...origin.path, 'file'] } : origin;
    const dirs = [scope.fileDir, scope.roleTasksDir, this.playbookDir].filter((d): d is string => !!d);
    this.out.place(v, origin);
    if (isTemplated(spec.file)) {
      const choices: YamlMap = {};
      for (const c of this.choices(spec.file, raw, dirs, fileAt, 'include_tasks', looksLikeTasks)) {
        const file = this.file(c.name, c.dir, fileAt, 'include_tasks', scope.stack);
        if (file === null || !Array.isArray(file.loaded.value)) continue;
        choices[c.name] = this.taskList(
          file.loaded.value,
          { loaded: file.loaded, path: [] },
          [...v, 'choices', c.name],
          {
            ...scope,
            fileDir: dirname(file.path),
            stack: [...scope.stack, file.loaded.file],
          },
        );
      }
      return { file: spec.file, tasks: [], choices };
    }
    const file = this.file(spec.file, dirs[0]!, fileAt, 'include_tasks', scope.stack, dirs.slice(1));
    if (file === null) return { file: String(spec.file), tasks: [] };
    const tasks = Array.isArray(file.loaded.value)
      ? this.taskList(file.loaded.value, { loaded: file.loaded, path: [] }, [...v, 'tasks'], {
          ...scope,
          fileDir: dirname(file.path),
          stack: [...scope.stack, file.loaded.file],
        })
      : [];
    if (!Array.isArray(file.loaded.value) && file.loaded.value !== null && file.loaded.value !== undefined) {
      this.problem({ loaded: file.loaded, path: [] }, 'a tasks file must be a list of tasks');
    }
    return { file: String(spec.file), tasks };
  }

  private includeRole(value: unknown, origin: Origin, v: YamlPath, scope: Scope, raw: YamlMap): unknown {
    if (!isMap(value)) {
      this.problem(origin, 'include_role: expected a mapping with "name"');
      return value;
    }
    this.out.place(v, origin);
    const options = pick(value, ['tasks_from', 'handlers_from', 'vars_from', 'defaults_from']);
    if (isTemplated(value.name)) {
      const nameAt = { loaded: origin.loaded, path: [...origin.path, 'name'] };
      const choices: YamlMap = {};
      const isRole = (path: string): boolean => statSync(path).isDirectory() && existsSync(join(path, 'tasks'));
      for (const c of this.choices(value.name, raw, this.roleDirs, nameAt, 'include_role', null, isRole)) {
        if (c.name in choices) continue;
        choices[c.name] = this.role(
          { role: c.name, ...options },
          nameAt,
          [...v, 'choices', c.name, 0],
          scope,
          new Set(),
          'include',
        );
      }
      return { name: value.name, tasks: [], choices };
    }
    const blocks = this.role({ role: value.name, ...options }, origin, [...v, 'tasks', 0], scope, new Set(), 'include');
    return { name: String(value.name), tasks: blocks };
  }

  private includeVars(value: unknown, origin: Origin, scope: Scope, raw: YamlMap): unknown {
    const name = isMap(value) ? value.file : value;
    const at = isMap(value) ? { loaded: origin.loaded, path: [...origin.path, 'file'] } : origin;
    if (isMap(value) && Object.keys(value).some((k) => k !== 'file')) {
      this.problem(origin, 'include_vars: only "file" is supported', 'load one file per include_vars task');
    }
    const dirs = [scope.fileDir, scope.context.dir, join(scope.context.dir, 'vars'), this.playbookDir];
    if (isTemplated(name)) {
      const choices: YamlMap = {};
      for (const c of this.choices(name, raw, dirs, at, 'include_vars', (v) => isMap(v) || v === null)) {
        const file = this.file(c.name, c.dir, at, 'include_vars', []);
        if (file !== null) choices[c.name] = isMap(file.loaded.value) ? file.loaded.value : {};
      }
      return { file: name, vars: {}, choices };
    }
    const file = this.file(name, dirs[0]!, at, 'include_vars', [], dirs.slice(1));
    if (file === null) return { file: String(name), vars: {} };
    const vars = file.loaded.value ?? {};
    if (!isMap(vars))
      this.problem({ loaded: file.loaded, path: [] }, 'a vars file must be a mapping of variable names to values');
    return { file: String(name), vars: isMap(vars) ? vars : {} };
  }
}

/**
 * Until a shell action of its own exists, `shell:` runs as `command:` does: runbook's command already goes
 * through the login shell (pipes, redirections and `&&` work), which is what shell: promises.
 */
function actionFor(module: string, actions: ReadonlySet<string>): string {
  return module === 'shell' && !actions.has('shell') && actions.has('command') ? 'command' : module;
}

function pick(m: YamlMap, keys: string[]): YamlMap {
  const out: YamlMap = {};
  for (const k of keys) if (k in m) out[k] = m[k];
  return out;
}

/** Ansible's tag list: a list, or one string split on commas; numbers are tags too. */
export function tagList(v: unknown): unknown {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.map((t) => (typeof t === 'number' ? String(t) : t));
  return v;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

const TEMPLATE_PART = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

function isTemplated(name: unknown): name is string {
  return typeof name === 'string' && /\{\{|\{%/.test(name);
}

/** The name with each templated part matching any characters but `/`. */
function namePattern(name: string): RegExp {
  const parts = name.split(TEMPLATE_PART).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]*')}$`);
}

/** Relative names under `dir` matching `pattern`, as deep as the name has directories. */
function matchingNames(dir: string, pattern: RegExp, name: string): string[] {
  const depth = name.split('/').length - 1;
  const out: string[] = [];
  const walk = (rel: string, level: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(join(dir, rel)).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel === '' ? e : `${rel}/${e}`;
      if (level < depth) walk(r, level + 1);
      else if (pattern.test(r)) out.push(r);
    }
  };
  walk('', 0);
  return out;
}

/** `"{{ item }}.yml"` under a loop written out: the names its items give; null when not that simple. */
function loopNames(name: string, raw: YamlMap): string[] | null {
  const items = raw.loop ?? raw.with_items ?? raw.with_list;
  const control = isMap(raw.loop_control) ? raw.loop_control : {};
  const loopVar = typeof control.loop_var === 'string' ? control.loop_var : 'item';
  if (!Array.isArray(items) || !items.every((i) => typeof i === 'string' || typeof i === 'number')) return null;
  const parts = name.match(TEMPLATE_PART) ?? [];
  if (!parts.every((p) => new RegExp(`^\\{\\{\\s*${loopVar}\\s*\\}\\}$`).test(p))) return null;
  return items.map((i) => name.replace(TEMPLATE_PART, String(i)));
}

/** A file's YAML value, or undefined when it does not load. */
function peek(path: string): unknown {
  const loaded = loadYamlFile(path, displayPath(path));
  return loaded.diagnostics.length > 0 ? undefined : loaded.value;
}

/** A list of tasks, not of plays. */
function looksLikeTasks(value: unknown): boolean {
  return Array.isArray(value) && value.every((t) => isMap(t) && !('hosts' in t) && !('import_playbook' in t));
}
