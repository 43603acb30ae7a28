import { subsetList } from './gather-subset.js';
import { dirname, resolve } from 'node:path';
import { diagnostic, sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { parseDuration } from './duration.js';
import { actionWords, type ActionSyntaxes, type TextUse } from './action-syntax.js';
import { TASK_KEYWORDS } from './ansible-task.js';
import { ComposedYaml } from './composed.js';
import { displayPath, loadYamlFile, type LoadedYaml, type YamlPath } from './load.js';
import { composePlaybook } from './reuse.js';
import { bundledSchema, schemaDiagnostics } from './schema.js';
import { ALL_TAGS, selects, type TagFilter } from './tags.js';
import {
  DEFAULTS,
  handlerNames,
  META_ACTIONS,
  structureOf,
  type LoopSpec,
  type BreakerSpec,
  type Locs,
  type PlaySpec,
  type PlaybookSpec,
  type SerialEntry,
  type TaskAction,
  type TaskSpec,
} from './types.js';

export interface LoadPlaybookOptions {
  /** ANSIBLE_ROLES_PATH: role directories searched after roles/ beside the playbook. */
  rolesPath?: readonly string[];
  /** `--tags`/`--skip-tags`: tasks they do not select are left out of the playbook. */
  tags?: TagFilter;
}

/**
 * Playbook file → typed PlaybookSpec, or every problem found as located diagnostics. Four passes: YAML
 * (load.ts, with PyYAML's scalars as Ansible reads them), Ansible's reuse and task syntax composed into one value
 * (reuse.ts), the JSON Schema (schemas/playbook.schema.json), then the rules a schema cannot say: one action
 * per task, octal modes, registered results used only after the task that registers them, notified handlers
 * that exist.
 */
export interface LoadedPlaybook {
  playbook: PlaybookSpec | null;
  diagnostics: Diagnostic[];
  /**
   * When the playbook has problems but parsed: its plays that have none, and the inventory files every play
   * names, so the inventory and template checks still run and one `validate` reports everything at once.
   */
  salvaged?: { playbook: PlaybookSpec; inventories: string[] };
  /** What loads and runs as Ansible runs it but is likely not what was meant (`mode: 644`). */
  warnings: Diagnostic[];
}

export function loadPlaybook(path: string, actions: ActionSyntaxes, opts: LoadPlaybookOptions = {}): LoadedPlaybook {
  // Loading is synchronous from here to the return: the rules below read the registry the caller handed in.
  syntaxes = actions;
  const absolute = resolve(process.cwd(), path);
  const file = displayPath(absolute);
  const root = loadYamlFile(absolute, file, { floats: 'vars' });
  if (root.diagnostics.length > 0) return { playbook: null, diagnostics: root.diagnostics, warnings: [] };
  if (root.value === null || root.value === undefined) {
    return {
      playbook: null,
      diagnostics: [diagnostic({ file, line: 1, col: 1 }, 'the playbook is empty: expected a list of plays')],
      warnings: [],
    };
  }
  const loaded = composePlaybook(root, absolute, {
    actions: schemaActions(),
    ...(opts.rolesPath ? { rolesPath: opts.rolesPath } : {}),
  });
  const diagnostics = [
    ...loaded.diagnostics,
    ...schemaDiagnostics(bundledSchema('playbook'), loaded),
    ...ruleDiagnostics(loaded),
  ];
  const warnings = dedupe(sortDiagnostics(ruleWarnings(loaded)));
  if (diagnostics.length > 0) {
    return {
      playbook: null,
      diagnostics: dedupe(sortDiagnostics(diagnostics)),
      salvaged: salvage(loaded, absolute, file, opts.tags ?? ALL_TAGS),
      warnings,
    };
  }
  const plays = playEntries(loaded.value).map(({ play, path: at }) =>
    toPlay(play, at, loaded, loaded.contexts.get(play)?.dir ?? dirname(absolute), opts.tags ?? ALL_TAGS),
  );
  return { playbook: { path: absolute, file, plays }, diagnostics: [], warnings };
}

/** The plays that are sound on their own (schema and rules), as typed plays; the rest only lend their inventory. */
function salvage(
  loaded: ComposedYaml,
  absolute: string,
  file: string,
  tags: TagFilter,
): { playbook: PlaybookSpec; inventories: string[] } {
  const schema = bundledSchema('playbook');
  const plays: PlaySpec[] = [];
  const inventories: string[] = [];
  for (const { play, path: at } of playEntries(loaded.value)) {
    // Checked as a playbook of its own: only emptiness matters here, the locations were reported above. The
    // view keeps the composed file's origins and contexts; a problem composing it (an include that failed)
    // cannot be told to a play, so then no play counts as sound.
    const alone: ComposedYaml = Object.assign(Object.create(loaded) as ComposedYaml, { value: [play] });
    const sound =
      loaded.diagnostics.length === 0 &&
      schemaDiagnostics(schema, alone).length === 0 &&
      ruleDiagnostics(alone).length === 0;
    if (sound) plays.push(toPlay(play, at, loaded, loaded.contexts.get(play)?.dir ?? dirname(absolute), tags));
    else if (typeof play.inventory === 'string') inventories.push(resolve(dirname(absolute), play.inventory));
  }
  return { playbook: { path: absolute, file, plays }, inventories };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type YamlMap = Record<string, unknown>;

/** Keys of a task that do one thing, of which a task holds exactly one. */
const STRUCTURES = ['block', 'include_tasks', 'include_role', 'include_vars', 'meta'] as const;

/** The action registry of the load in progress (set by loadPlaybook, which runs to its end without yielding). */
let syntaxes: ActionSyntaxes = {};

/** The actions a task may name. */
function schemaActions(): ReadonlySet<string> {
  return new Set(Object.keys(syntaxes));
}

/** Task keys that are not actions: keywords every task may have, and the structures runbook itself runs. */
export const COMMON_TASK_KEYS: ReadonlySet<string> = new Set([...TASK_KEYWORDS, ...STRUCTURES]);

function actionsOf(task: YamlMap): string[] {
  return [...schemaActions(), ...STRUCTURES].filter((a) => a in task);
}

function isMap(v: unknown): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list of plays, or a single play written as a mapping. */
function playEntries(root: unknown): Array<{ play: YamlMap; path: YamlPath }> {
  if (isMap(root)) return [{ play: root, path: [] }];
  if (!Array.isArray(root)) return [];
  return root.flatMap((play, i) => (isMap(play) ? [{ play, path: [i] }] : []));
}

const PLAY_SECTIONS = ['pre_tasks', 'tasks', 'post_tasks', 'rescue', 'handlers'] as const;
const NESTED = ['block', 'rescue', 'always'] as const;

/**
 * Every task of a play, nested ones included, in the order a host can meet them: pre_tasks, tasks, post_tasks,
 * the play's rescue, then handlers; inside a task its block, rescue, always and included tasks.
 */
function taskEntries(play: YamlMap, at: YamlPath): Array<{ task: YamlMap; path: YamlPath }> {
  const out: Array<{ task: YamlMap; path: YamlPath }> = [];
  const walk = (list: unknown, path: YamlPath): void => {
    if (!Array.isArray(list)) return;
    list.forEach((task, i) => {
      if (!isMap(task)) return;
      const p = [...path, i];
      out.push({ task, path: p });
      for (const k of NESTED) walk(task[k], [...p, k]);
      for (const k of ['include_tasks', 'include_role'] as const) {
        const inc = task[k];
        if (isMap(inc)) walk(inc.tasks, [...p, k, 'tasks']);
        if (isMap(inc) && isMap(inc.choices))
          for (const [name, list] of Object.entries(inc.choices)) walk(list, [...p, k, 'choices', name]);
      }
    });
  };
  for (const section of PLAY_SECTIONS) walk(play[section], [...at, section]);
  return out;
}

// ---- rules beyond the schema -------------------------------------------------------------------------

function ruleDiagnostics(loaded: LoadedYaml): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { play, path } of playEntries(loaded.value)) {
    const tasks = taskEntries(play, path);
    for (const { task, path: at } of tasks) {
      out.push(...actionDiagnostics(task, at, loaded));
      for (const [name, syntax] of Object.entries(syntaxes)) {
        if (name in task && syntax.check) out.push(...syntax.check(task[name], [...at, name], loaded));
      }
    }
    out.push(...registerOrderDiagnostics(play, tasks, loaded));
    out.push(...notifyDiagnostics(play, tasks, loaded));
  }
  return out;
}

function ruleWarnings(loaded: LoadedYaml): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { play, path } of playEntries(loaded.value)) {
    for (const { task, path: at } of taskEntries(play, path)) {
      for (const [name, syntax] of Object.entries(syntaxes)) {
        if (name in task && syntax.warn) out.push(...syntax.warn(task[name], [...at, name], loaded));
      }
    }
  }
  return out;
}

function actionDiagnostics(task: YamlMap, at: YamlPath, loaded: LoadedYaml): Diagnostic[] {
  const present = actionsOf(task);
  const out: Diagnostic[] = [];
  for (const k of ['rescue', 'always'] as const) {
    if (k in task && !('block' in task))
      out.push(
        diagnostic(loaded.locate([...at, k], 'key'), `${k} belongs to a block`, 'put the tasks it guards under block:'),
      );
  }
  if (present.length === 1) return out;
  const list = actionWords(syntaxes);
  const names = list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)!}` : list.join('');
  if (present.length === 0) {
    // A misspelt action (`comand:`) is already reported as an unknown key with its correction.
    const known = new Set([...TASK_KEYWORDS, ...schemaActions(), ...STRUCTURES]);
    if (Object.keys(task).some((k) => !known.has(k))) return out;
    if (loaded instanceof ComposedYaml && loaded.refused.has(task)) return out;
    return [...out, diagnostic(loaded.locate(at), `task has no action: expected one of ${names}`)];
  }
  return [
    ...out,
    diagnostic(
      loaded.locate([...at, present[1]!], 'key'),
      `task has ${present.length} actions (${present.join(', ')}): a task takes exactly one of ${names}`,
    ),
  ];
}

/** Ansible fails at run time on a notify nobody answers; here it is found before the run. */
function notifyDiagnostics(
  play: YamlMap,
  tasks: Array<{ task: YamlMap; path: YamlPath }>,
  loaded: LoadedYaml,
): Diagnostic[] {
  const answers = new Set<string>();
  const walk = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const h of list) {
      if (!isMap(h)) continue;
      const role = loaded instanceof ComposedYaml ? loaded.contexts.get(h)?.role : undefined;
      if (typeof h.name === 'string') for (const n of handlerNames(h.name, role)) answers.add(n);
      if (Array.isArray(h.listen)) for (const l of h.listen) answers.add(String(l));
      for (const k of NESTED) walk(h[k]);
    }
  };
  walk(play.handlers);
  const out: Diagnostic[] = [];
  for (const { task, path } of tasks) {
    if (!Array.isArray(task.notify)) continue;
    task.notify.forEach((n, i) => {
      if (typeof n === 'string' && !answers.has(n) && !/\{\{/.test(n)) {
        out.push(diagnostic(loaded.locate([...path, 'notify', i]), `notify: no handler is named or listens to "${n}"`));
      }
    });
  }
  return out;
}

function textUses(task: YamlMap, at: YamlPath): TextUse[] {
  const uses: TextUse[] = [];
  const add = (field: string, value: unknown, path: YamlPath, expression: boolean, afterRun = false): void => {
    if (typeof value === 'string') uses.push({ field, text: value, path, expression, afterRun });
    else if (Array.isArray(value)) value.forEach((v, i) => add(field, v, [...path, i], expression, afterRun));
  };
  add('when', task.when, [...at, 'when'], true);
  add('failed_when', task.failed_when, [...at, 'failed_when'], true, true);
  add('changed_when', task.changed_when, [...at, 'changed_when'], true, true);
  add('until', task.until, [...at, 'until'], true, true);
  for (const k of ['loop', 'with_items', 'with_list', 'with_dict', 'with_indexed_items'])
    add(k, task[k], [...at, k], false);
  for (const [name, syntax] of Object.entries(syntaxes))
    if (name in task) uses.push(...syntax.texts(task[name], [...at, name]));
  return uses;
}

/**
 * A task can read only results registered by tasks before it. Names nobody registers are left alone: they
 * may be host variables, which the template engine checks per host; so are names the play or a task also
 * defines as a variable (a play var the register later replaces, as Ansible allows).
 */
function registerOrderDiagnostics(
  play: YamlMap,
  tasks: Array<{ task: YamlMap; path: YamlPath }>,
  loaded: LoadedYaml,
): Diagnostic[] {
  const defined = new Set<string>();
  const keysOf = (v: unknown): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) defined.add(k);
  };
  keysOf(play.vars);
  for (const { task } of tasks) {
    keysOf(task.vars);
    keysOf(task.set_fact);
  }
  const firstRegistered = new Map<string, number>();
  tasks.forEach(({ task }, i) => {
    const name = task.register;
    if (typeof name === 'string' && !firstRegistered.has(name) && !defined.has(name)) firstRegistered.set(name, i);
  });
  if (firstRegistered.size === 0) return [];
  const out: Diagnostic[] = [];
  tasks.forEach(({ task, path }, i) => {
    for (const use of textUses(task, path)) {
      for (const name of identifiers(use.text, use.expression)) {
        const by = firstRegistered.get(name);
        if (by === undefined || by < i || (by === i && use.afterRun)) continue;
        const where = loaded.locate(use.path);
        const message =
          by === i
            ? `"${name}" is this task's own result, which does not exist yet when ${use.field} is evaluated`
            : `"${name}" is used before it is registered (by the task at line ` +
              `${loaded.locate([...tasks[by]!.path, 'register']).line})`;
        out.push(diagnostic(where, `${use.field}: ${message}`));
      }
    }
  });
  return out;
}

const STRING_LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;
const TEMPLATE_CODE = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;

/**
 * Variable names read by an expression: identifiers outside string literals, not after `.` (attributes) or `|`
 * (filters).
 */
export function identifiers(text: string, expression: boolean): Set<string> {
  const code = expression
    ? [text.replace(/\{\{|\}\}/g, ' ')]
    : [...text.matchAll(TEMPLATE_CODE)].map((m) => m[1] ?? m[2] ?? '');
  const names = new Set<string>();
  for (const chunk of code) {
    const bare = chunk.replace(STRING_LITERAL, ' ');
    for (const m of bare.matchAll(/[A-Za-z_]\w*/g)) {
      if (m.index > 0 && /\w/.test(bare[m.index - 1]!)) continue;
      const previous = bare.slice(0, m.index).trimEnd().at(-1);
      if (previous === '.' || previous === '|') continue;
      names.add(m[0]);
    }
  }
  return names;
}

// ---- typed values ----------------------------------------------------------------------------------------

/**
 * `hosts: [edge, core]` is Ansible's union of the listed patterns, the same as `edge:core`: one pattern
 * string keeps a single host-selection path downstream. `:` joins them because it is the union separator;
 * an item that is itself a pattern (`edge:!quarantine`) contributes its terms, which Ansible also flattens.
 */
export function hostPattern(hosts: string | string[]): string {
  return typeof hosts === 'string' ? hosts : hosts.join(':');
}

function toPlay(play: YamlMap, at: YamlPath, loaded: ComposedYaml, dir: string, tags: TagFilter): PlaySpec {
  const hosts = hostPattern(play.hosts as string | string[]);
  const local = play.connection === 'local';
  const inherited: Inherited = {
    ...rootInheritance(dir),
    when: [],
    tags: Array.isArray(play.tags) ? play.tags.map(String) : [],
    becomeParts: becomeParts(play, {}),
    ...(local ? { delegateTo: 'localhost' } : {}),
    ...(typeof play.ignore_errors === 'boolean' ? { ignoreErrors: play.ignore_errors } : {}),
    ...(typeof play.no_log === 'boolean' ? { noLog: play.no_log } : {}),
    ...(play.any_errors_fatal === true ? { anyErrorsFatal: true } : {}),
    ...(play.check_mode !== undefined ? { checkMode: checkModeOf(play.check_mode) } : {}),
    environment: stringMap(play.environment),
  };
  const gatherFacts = play.gather_facts === true ? 'always' : play.gather_facts === false ? 'never' : 'auto';
  const list = (key: string): TaskSpec[] => {
    const l = play[key];
    if (!Array.isArray(l)) return [];
    return l.flatMap((t, i) => {
      const spec = toTask(t as YamlMap, [...at, key, i], loaded, inherited);
      return selectTags(spec, tags);
    });
  };
  const spec: PlaySpec = {
    name: typeof play.name === 'string' ? play.name : hosts,
    hosts,
    ...(typeof play.inventory === 'string' ? { inventory: resolve(dir, play.inventory) } : {}),
    ...(typeof play.platforms === 'string' ? { platforms: play.platforms } : {}),
    vars: isMap(play.vars) ? play.vars : {},
    forks: typeof play.forks === 'number' ? play.forks : DEFAULTS.forks,
    connectRate: typeof play.connect_rate === 'number' ? play.connect_rate : null,
    connectTimeoutMs: parseDuration(play.connect_timeout) ?? DEFAULTS.connectTimeoutMs,
    serial: play.serial === undefined ? null : serialEntries(play.serial),
    maxFailPercentage: typeof play.max_fail_percentage === 'number' ? play.max_fail_percentage : null,
    maxFailures: typeof play.max_failures === 'number' ? play.max_failures : null,
    breaker: isMap(play.breaker) ? toBreaker(play.breaker) : null,
    tasks: [...list('pre_tasks'), ...list('tasks'), ...list('post_tasks')],
    rescue: list('rescue'),
    // Handlers run when notified, whatever tags were asked for.
    handlers: Array.isArray(play.handlers)
      ? play.handlers.map((t, i) => toTask(t as YamlMap, [...at, 'handlers', i], loaded, inherited))
      : [],
    strategy: play.strategy === 'linear' ? 'linear' : 'free',
    anyErrorsFatal: play.any_errors_fatal === true,

    dir,
    loc: loaded.locate(at),
    locs: locsOf(play, at, loaded, new Set(['tasks', 'rescue', 'pre_tasks', 'post_tasks', 'handlers'])),
  };
  if (local) spec.connection = 'local';
  if (gatherFacts !== 'never') {
    const gathering = selectTags(gatheringFacts(play, at, loaded, inherited), tags)[0];
    // --skip-tags always leaves it out, as it does in ansible-playbook.
    if (gathering) spec.gathering = { mode: gatherFacts, task: gathering };
  }
  if (inherited.tags.length > 0) spec.tags = inherited.tags;
  if (typeof play.remote_user === 'string') spec.remoteUser = play.remote_user;
  return spec;
}

/**
 * The play's implicit first step, as ansible-playbook runs it: the setup action with the play's gather_subset
 * and gather_timeout, tagged `always` (so --tags keeps it), with the play's become, read-only under --check.
 */
function gatheringFacts(play: YamlMap, at: YamlPath, loaded: ComposedYaml, inherited: Inherited): TaskSpec {
  const b = inherited.becomeParts;
  const spec: TaskSpec = {
    name: 'Gathering Facts',
    action: {
      kind: 'setup',
      filter: [],
      gatherSubset: subsetList(play.gather_subset),
      ...(typeof play.gather_timeout === 'number' ? { gatherTimeout: play.gather_timeout } : {}),
    },
    retries: 0,
    retryDelayMs: DEFAULTS.retryDelayMs,
    ignoreErrors: false,
    checkMode: 'run',
    tags: [...new Set([...inherited.tags, 'always'])],
    environment: inherited.environment,
    section: 'pre_tasks',
    implicit: 'facts',
    loc: loaded.locate([...at, ...('gather_facts' in play ? ['gather_facts'] : [])]),
    locs: {},
  };
  if (b.become) spec.become = { user: b.user ?? 'root', method: b.method ?? 'sudo' };
  return spec;
}

/** A task left out by --tags/--skip-tags is gone; a block stays while any task inside it is selected. */
function selectTags(task: TaskSpec, filter: TagFilter): TaskSpec[] {
  const a = structureOf(task.action);
  if (a?.kind === 'block') {
    const block = a.block.flatMap((t) => selectTags(t, filter));
    const rescue = a.rescue.flatMap((t) => selectTags(t, filter));
    const always = a.always.flatMap((t) => selectTags(t, filter));
    if (block.length + rescue.length + always.length === 0) return [];
    return [{ ...task, action: { ...a, block, rescue, always } }];
  }
  if (!selects(filter, task.tags ?? [])) return [];
  if (a?.kind === 'include_tasks' || a?.kind === 'include_role') {
    const choices = a.choices
      ? Object.fromEntries(Object.entries(a.choices).map(([k, l]) => [k, l.flatMap((t) => selectTags(t, filter))]))
      : undefined;
    return [
      {
        ...task,
        action: { ...a, tasks: a.tasks.flatMap((t) => selectTags(t, filter)), ...(choices ? { choices } : {}) },
      },
    ];
  }
  return [task];
}

/** What a task takes from the blocks, roles, imports and play around it. */
interface Inherited {
  when: string[];
  tags: string[];
  vars: Record<string, unknown>;
  defaults: Record<string, unknown>;
  becomeParts: BecomeParts;
  environment: Record<string, string>;
  ignoreErrors?: boolean;
  noLog?: boolean;
  runOnce?: boolean;
  anyErrorsFatal?: boolean;
  delegateTo?: string;
  checkMode?: TaskSpec['checkMode'];
  dir: string;
  role?: string;
}

function rootInheritance(dir: string): Inherited {
  return { when: [], tags: [], vars: {}, defaults: {}, becomeParts: {}, environment: {}, dir };
}

interface BecomeParts {
  become?: boolean;
  user?: string;
  method?: 'sudo' | 'su';
}

function becomeParts(node: YamlMap, outer: BecomeParts): BecomeParts {
  const parts = { ...outer };
  if (typeof node.become === 'boolean') parts.become = node.become;
  if (typeof node.become_user === 'string') parts.user = node.become_user;
  if (node.become_method === 'sudo' || node.become_method === 'su') parts.method = node.become_method;
  return parts;
}

function stringMap(v: unknown): Record<string, string> {
  if (!isMap(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, String(val)]));
}

function checkModeOf(v: unknown): TaskSpec['checkMode'] {
  if (v === true) return 'always';
  if (v === false || v === 'run') return 'run';
  return 'skip';
}

function serialEntries(v: unknown): SerialEntry[] {
  return (Array.isArray(v) ? v : [v]).map(
    (e): SerialEntry =>
      typeof e === 'number'
        ? { kind: 'count', value: e }
        : { kind: 'percent', value: Number(String(e).replace('%', '').trim()) },
  );
}

function toBreaker(b: YamlMap): BreakerSpec {
  const d = DEFAULTS.breaker;
  return {
    scope: typeof b.scope === 'string' ? b.scope : 'play',
    failureThreshold: typeof b.failure_threshold === 'number' ? b.failure_threshold : d.failureThreshold,
    successThreshold: typeof b.success_threshold === 'number' ? b.success_threshold : d.successThreshold,
    cooldownMs: parseDuration(b.cooldown) ?? d.cooldownMs,
    onOpen: b.on_open === 'wait' ? 'wait' : d.onOpen,
  };
}

function toTask(task: YamlMap, at: YamlPath, loaded: ComposedYaml, outer: Inherited): TaskSpec {
  const context = loaded.contexts.get(task);
  const inherited: Inherited = {
    ...outer,
    when: [...outer.when, ...(conditions(task.when) ?? [])],
    tags: [...new Set([...outer.tags, ...(Array.isArray(task.tags) ? task.tags.map(String) : [])])],
    vars: { ...outer.vars, ...(isMap(task.vars) ? task.vars : {}) },
    defaults: context?.defaults ? { ...outer.defaults, ...context.defaults } : outer.defaults,
    becomeParts: becomeParts(task, outer.becomeParts),
    environment: { ...outer.environment, ...stringMap(task.environment) },
    dir: context?.dir ?? outer.dir,
  };
  if (context?.role) inherited.role = context.role;
  if (typeof task.ignore_errors === 'boolean') inherited.ignoreErrors = task.ignore_errors;
  if (typeof task.no_log === 'boolean') inherited.noLog = task.no_log;
  if (typeof task.run_once === 'boolean') inherited.runOnce = task.run_once;
  if (typeof task.any_errors_fatal === 'boolean') inherited.anyErrorsFatal = task.any_errors_fatal;
  if (task.check_mode !== undefined) inherited.checkMode = checkModeOf(task.check_mode);
  if (task.connection === 'local') inherited.delegateTo = 'localhost';
  if (typeof task.delegate_to === 'string') inherited.delegateTo = task.delegate_to;

  const action = toAction(task, at, loaded, inherited);
  const until = conditions(task.until);
  const b = inherited.becomeParts;
  const spec: TaskSpec = {
    name: typeof task.name === 'string' ? task.name : defaultName(action),
    action,
    // Ansible's until defaults to 3 retries, 5 seconds apart.
    retries: typeof task.retries === 'number' ? task.retries : until ? 3 : 0,
    retryDelayMs: parseDuration(task.retry_delay) ?? (until ? 5_000 : DEFAULTS.retryDelayMs),
    ignoreErrors: inherited.ignoreErrors ?? false,
    checkMode: inherited.checkMode ?? 'skip',
    notify: Array.isArray(task.notify) ? task.notify.map(String) : [],
    listen: Array.isArray(task.listen) ? task.listen.map(String) : [],
    tags: inherited.tags,
    runOnce: inherited.runOnce ?? false,
    noLog: inherited.noLog ?? false,
    anyErrorsFatal: inherited.anyErrorsFatal ?? false,
    environment: inherited.environment,
    vars: inherited.vars,
    defaults: inherited.defaults,
    dir: inherited.dir,
    loc: loaded.locate(at),
    locs: locsOf(
      task,
      at,
      loaded,
      new Set(['block', 'rescue', 'always', 'include_tasks', 'include_role', 'include_vars']),
    ),
  };
  // Conditions of enclosing blocks hold for every task inside; a block's own are checked by its tasks.
  const when = action.kind === 'block' ? undefined : inherited.when.length > 0 ? inherited.when : undefined;
  if (when) spec.when = when;
  if (until) spec.until = until;
  if (b.become) spec.become = { user: b.user ?? 'root', method: b.method ?? 'sudo' };
  if (inherited.delegateTo !== undefined) spec.delegateTo = inherited.delegateTo;
  if (inherited.role !== undefined) spec.role = inherited.role;
  if (context?.section) spec.section = context.section;
  const loop = toLoop(task);
  if (loop) spec.loop = loop;
  const failedWhen = conditions(task.failed_when);
  if (failedWhen) spec.failedWhen = failedWhen;
  const changedWhen = conditions(task.changed_when);
  if (changedWhen) spec.changedWhen = changedWhen;
  if (typeof task.register === 'string') spec.register = task.register;
  const timeout = parseDuration(task.timeout);
  if (timeout !== null) spec.timeoutMs = timeout;
  return spec;
}

const LOOP_KEYS = ['loop', 'with_items', 'with_list', 'with_dict', 'with_indexed_items'] as const;

function toLoop(task: YamlMap): LoopSpec | undefined {
  const source = LOOP_KEYS.find((k) => k in task);
  if (!source) return undefined;
  const control = isMap(task.loop_control) ? task.loop_control : {};
  const loop: LoopSpec = {
    source,
    items: task[source],
    loopVar: typeof control.loop_var === 'string' ? control.loop_var : 'item',
    pauseMs: parseDuration(control.pause) ?? 0,
    extended: control.extended === true,
  };
  if (typeof control.index_var === 'string') loop.indexVar = control.index_var;
  if (typeof control.label === 'string') loop.label = control.label;
  return loop;
}

function toAction(task: YamlMap, at: YamlPath, loaded: ComposedYaml, inherited: Inherited): TaskAction {
  const nested = (key: string, list: unknown, scope: Inherited): TaskSpec[] =>
    Array.isArray(list) ? list.map((t, i) => toTask(t as YamlMap, [...at, key, i], loaded, scope)) : [];
  if (Array.isArray(task.block)) {
    return {
      kind: 'block',
      block: nested('block', task.block, inherited),
      rescue: nested('rescue', task.rescue, inherited),
      always: nested('always', task.always, inherited),
      implicit: loaded.contexts.get(task)?.implicit === true,
    };
  }
  // Keywords on a dynamic include apply to the include itself; only its vars reach the included tasks.
  const included: Inherited = {
    ...rootInheritance(inherited.dir),
    vars: inherited.vars,
    defaults: inherited.defaults,
    becomeParts: {},
  };
  const choices = (key: string, inc: YamlMap): { choices?: Record<string, TaskSpec[]> } =>
    isMap(inc.choices)
      ? {
          choices: Object.fromEntries(
            Object.entries(inc.choices).map(([k, l]) => [k, nestedAt([...at, key, 'choices', k], l, loaded, included)]),
          ),
        }
      : {};
  if (isMap(task.include_tasks)) {
    const inc = task.include_tasks;
    return {
      kind: 'include_tasks',
      file: String(inc.file),
      tasks: nestedAt([...at, 'include_tasks', 'tasks'], inc.tasks, loaded, included),
      ...choices('include_tasks', inc),
    };
  }
  if (isMap(task.include_role)) {
    const inc = task.include_role;
    return {
      kind: 'include_role',
      name: String(inc.name),
      tasks: nestedAt([...at, 'include_role', 'tasks'], inc.tasks, loaded, included),
      ...choices('include_role', inc),
    };
  }
  if (isMap(task.include_vars)) {
    const inc = task.include_vars;
    return {
      kind: 'include_vars',
      file: String(inc.file),
      vars: isMap(inc.vars) ? inc.vars : {},
      ...(isMap(inc.choices) ? { choices: inc.choices as Record<string, Record<string, unknown>> } : {}),
    };
  }
  const meta = META_ACTIONS.find((m) => m === task.meta);
  if (meta) return { kind: 'meta', meta };
  const name = Object.keys(syntaxes).find((k) => k in task)!;
  return syntaxes[name]!.parse(task[name], [...at, name], loaded);
}

function nestedAt(at: YamlPath, list: unknown, loaded: ComposedYaml, scope: Inherited): TaskSpec[] {
  return Array.isArray(list) ? list.map((t, i) => toTask(t as YamlMap, [...at, i], loaded, scope)) : [];
}

function defaultName(taskAction: TaskAction): string {
  const action = structureOf(taskAction);
  if (action === null) return syntaxes[taskAction.kind]!.defaultName(taskAction);
  switch (action.kind) {
    case 'block':
      return 'block';
    case 'include_tasks':
      return `include_tasks ${action.file}`;
    case 'include_role':
      return `include_role ${action.name}`;
    case 'include_vars':
      return `include_vars ${action.file}`;
    case 'meta':
      return `meta ${action.meta}`;
  }
}

/** `when: x` and `when: [x, y]` alike become a list that must all hold; a boolean becomes its expression. */
function conditions(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return [String(v)];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * Where each key's value starts, by dotted path as written (`hosts`, `template.src`, `when.1`, `vars.ntp_servers`),
 * so later stages can point at the source.
 */
function locsOf(node: YamlMap, at: YamlPath, loaded: LoadedYaml, skip: ReadonlySet<string> = new Set()): Locs {
  const locs: Locs = {};
  const walk = (value: unknown, path: YamlPath, name: string): void => {
    locs[name] = loaded.locate(path);
    if (isMap(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k], `${name}.${k}`);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], `${name}.${i}`));
  };
  for (const [k, v] of Object.entries(node)) if (!skip.has(k)) walk(v, [...at, k], k);
  return locs;
}
