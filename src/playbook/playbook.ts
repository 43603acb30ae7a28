import { dirname, resolve } from 'node:path';
import { isScalar } from 'yaml';
import { diagnostic, sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { parseDuration } from './duration.js';
import { displayPath, loadYamlFile, type LoadedYaml, type YamlPath } from './load.js';
import { bundledSchema, schemaDiagnostics } from './schema.js';
import {
  DEFAULTS,
  type BreakerSpec,
  type Locs,
  type PlaySpec,
  type PlaybookSpec,
  type SerialEntry,
  type TaskSpec,
} from './types.js';
import { actionWords, type ActionSyntaxes, type TextUse } from './action-syntax.js';

/**
 * Playbook file → typed PlaybookSpec, or every problem found as located diagnostics. Three passes: YAML
 * (load.ts), the JSON Schema (schemas/playbook.schema.json), then the rules a schema cannot say: one action
 * per task, the rules each action adds, and registered results used only after the task that registers them.
 */
export interface LoadedPlaybook {
  playbook: PlaybookSpec | null;
  diagnostics: Diagnostic[];
  /**
   * When the playbook has problems but parsed: its plays that have none, and the inventory files every play
   * names, so the inventory and template checks still run and one `validate` reports everything at once.
   */
  salvaged?: { playbook: PlaybookSpec; inventories: string[] };
}

export function loadPlaybook(path: string, actions: ActionSyntaxes): LoadedPlaybook {
  const absolute = resolve(process.cwd(), path);
  const file = displayPath(absolute);
  const loaded = loadYamlFile(absolute, file);
  if (loaded.diagnostics.length > 0) return { playbook: null, diagnostics: loaded.diagnostics };
  if (loaded.value === null || loaded.value === undefined) {
    return {
      playbook: null,
      diagnostics: [diagnostic({ file, line: 1, col: 1 }, 'the playbook is empty: expected a list of plays')],
    };
  }
  const diagnostics = [...schemaDiagnostics(bundledSchema('playbook'), loaded), ...ruleDiagnostics(loaded, actions)];
  if (diagnostics.length > 0) {
    return {
      playbook: null,
      diagnostics: sortDiagnostics(diagnostics),
      salvaged: salvage(loaded, absolute, file, actions),
    };
  }
  const plays = playEntries(loaded.value).map(({ play, path: at }) =>
    toPlay(play, at, loaded, dirname(absolute), actions),
  );
  return { playbook: { path: absolute, file, plays }, diagnostics: [] };
}

/** The plays that are sound on their own (schema and rules), as typed plays; the rest only lend their inventory. */
function salvage(
  loaded: LoadedYaml,
  absolute: string,
  file: string,
  actions: ActionSyntaxes,
): { playbook: PlaybookSpec; inventories: string[] } {
  const schema = bundledSchema('playbook');
  const plays: PlaySpec[] = [];
  const inventories: string[] = [];
  for (const { play, path: at } of playEntries(loaded.value)) {
    // Checked as a playbook of its own: only emptiness matters here, the locations were reported above.
    const alone: LoadedYaml = { ...loaded, value: [play] };
    if (schemaDiagnostics(schema, alone).length === 0 && ruleDiagnostics(alone, actions).length === 0) {
      plays.push(toPlay(play, at, loaded, dirname(absolute), actions));
    } else if (typeof play.inventory === 'string') {
      inventories.push(resolve(dirname(absolute), play.inventory));
    }
  }
  return { playbook: { path: absolute, file, plays }, inventories };
}

type YamlMap = Record<string, unknown>;

/** Task keys every task may have, whatever its action. */
export const COMMON_TASK_KEYS: ReadonlySet<string> = new Set([
  'name',
  'when',
  'register',
  'timeout',
  'retries',
  'retry_delay',
  'failed_when',
  'changed_when',
  'ignore_errors',
  'check_mode',
]);

/** `a, b or c`, the way a message lists the actions. */
function oneOf(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
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

/** The tasks of a play in the order a host meets them: `tasks`, then `rescue`. */
function taskEntries(play: YamlMap, at: YamlPath): Array<{ task: YamlMap; path: YamlPath }> {
  return (['tasks', 'rescue'] as const).flatMap((section) => {
    const list = play[section];
    if (!Array.isArray(list)) return [];
    return list.flatMap((task, i) => (isMap(task) ? [{ task, path: [...at, section, i] }] : []));
  });
}

// ---- rules beyond the schema -------------------------------------------------------------------------

function ruleDiagnostics(loaded: LoadedYaml, actions: ActionSyntaxes): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { play, path } of playEntries(loaded.value)) {
    const tasks = taskEntries(play, path);
    for (const { task, path: at } of tasks) {
      out.push(...actionDiagnostics(task, at, loaded, actions));
      for (const [name, syntax] of Object.entries(actions)) {
        if (name in task && syntax.check) out.push(...syntax.check(task[name], [...at, name], loaded));
      }
    }
    out.push(...registerOrderDiagnostics(tasks, loaded, actions));
  }
  return out;
}

function actionDiagnostics(task: YamlMap, at: YamlPath, loaded: LoadedYaml, actions: ActionSyntaxes): Diagnostic[] {
  const names = Object.keys(actions);
  const present = names.filter((a) => a in task);
  if (present.length === 1) return [];
  if (present.length === 0) {
    // A misspelt action (`comand:`) is already reported as an unknown key with its correction.
    if (Object.keys(task).some((k) => !COMMON_TASK_KEYS.has(k))) return [];
    return [diagnostic(loaded.locate(at), `task has no action: expected one of ${oneOf(actionWords(actions))}`)];
  }
  return [
    diagnostic(
      loaded.locate([...at, present[1]!], 'key'),
      `task has ${present.length} actions (${present.join(', ')}): ` +
        `a task takes exactly one of ${oneOf(actionWords(actions))}`,
    ),
  ];
}

function textUses(task: YamlMap, at: YamlPath, actions: ActionSyntaxes): TextUse[] {
  const uses: TextUse[] = [];
  const add = (field: string, value: unknown, path: YamlPath, expression: boolean, afterRun = false): void => {
    if (typeof value === 'string') uses.push({ field, text: value, path, expression, afterRun });
    else if (Array.isArray(value)) value.forEach((v, i) => add(field, v, [...path, i], expression, afterRun));
  };
  add('when', task.when, [...at, 'when'], true);
  add('failed_when', task.failed_when, [...at, 'failed_when'], true, true);
  add('changed_when', task.changed_when, [...at, 'changed_when'], true, true);
  for (const [name, syntax] of Object.entries(actions))
    if (name in task) uses.push(...syntax.texts(task[name], [...at, name]));
  return uses;
}

/**
 * A task can read only results registered by tasks before it. Names nobody registers are left alone: they
 * may be host variables, which the template engine checks per host.
 */
function registerOrderDiagnostics(
  tasks: Array<{ task: YamlMap; path: YamlPath }>,
  loaded: LoadedYaml,
  actions: ActionSyntaxes,
): Diagnostic[] {
  const firstRegistered = new Map<string, number>();
  tasks.forEach(({ task }, i) => {
    if (typeof task.register === 'string' && !firstRegistered.has(task.register)) firstRegistered.set(task.register, i);
  });
  if (firstRegistered.size === 0) return [];
  const out: Diagnostic[] = [];
  tasks.forEach(({ task, path }, i) => {
    for (const use of textUses(task, path, actions)) {
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

function toPlay(play: YamlMap, at: YamlPath, loaded: LoadedYaml, dir: string, actions: ActionSyntaxes): PlaySpec {
  const hosts = hostPattern(play.hosts as string | string[]);
  const tasks = Array.isArray(play.tasks) ? play.tasks : [];
  const rescue = Array.isArray(play.rescue) ? play.rescue : [];
  return {
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
    tasks: tasks.map((t, i) => toTask(t as YamlMap, [...at, 'tasks', i], loaded, actions)),
    rescue: rescue.map((t, i) => toTask(t as YamlMap, [...at, 'rescue', i], loaded, actions)),
    dir,
    loc: loaded.locate(at),
    locs: locsOf(play, at, loaded, new Set(['tasks', 'rescue'])),
  };
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

function toTask(task: YamlMap, at: YamlPath, loaded: LoadedYaml, actions: ActionSyntaxes): TaskSpec {
  // The schema and the rules above let through only tasks with exactly one registered action.
  const [kind, syntax] = Object.entries(actions).find(([name]) => name in task)!;
  const action = syntax.parse(task[kind], [...at, kind], loaded);
  const spec: TaskSpec = {
    name: typeof task.name === 'string' ? task.name : syntax.defaultName(action),
    action,
    retries: typeof task.retries === 'number' ? task.retries : 0,
    retryDelayMs: parseDuration(task.retry_delay) ?? DEFAULTS.retryDelayMs,
    ignoreErrors: task.ignore_errors === true,
    checkMode: task.check_mode === 'run' ? 'run' : 'skip',
    loc: loaded.locate(at),
    locs: locsOf(task, at, loaded),
  };
  const when = conditions(task.when);
  if (when) spec.when = when;
  const failedWhen = conditions(task.failed_when);
  if (failedWhen) spec.failedWhen = failedWhen;
  const changedWhen = conditions(task.changed_when);
  if (changedWhen) spec.changedWhen = changedWhen;
  if (typeof task.register === 'string') spec.register = task.register;
  const timeout = parseDuration(task.timeout);
  if (timeout !== null) spec.timeoutMs = timeout;
  return spec;
}

/** `when: x` and `when: [x, y]` alike become a list that must all hold; a boolean becomes its expression. */
function conditions(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return [String(v)];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * Permissions as a four-digit octal string. YAML 1.2 reads `0644` as the decimal 644, so a plain number's
 * decimal digits are taken as the octal digits the user wrote; `0o644` is already octal and converted back.
 */
export function fileMode(v: unknown, path: YamlPath, loaded: LoadedYaml): string | null {
  let digits: string;
  if (typeof v === 'number') {
    const node = loaded.doc?.getIn(path, true);
    const format = isScalar(node) ? node.format : undefined;
    digits = format === 'OCT' || format === 'HEX' ? v.toString(8) : String(v);
  } else {
    digits = String(v);
  }
  return /^[0-7]{1,4}$/.test(digits) ? digits.padStart(4, '0') : null;
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
