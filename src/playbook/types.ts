import type { Loc } from './diagnostic.js';

/**
 * The typed playbook, as `loadPlaybook` returns it after the schema and the rules beyond it passed.
 * Durations are milliseconds; keys are camelCase; defaults are applied. `locs` maps each YAML key that was
 * present (snake_case, as written) to where its value starts, so later stages can still point at the source.
 */
export type Locs = Partial<Record<string, Loc>>;

export type SerialEntry = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

export interface BreakerSpec {
  /** `play` (one breaker) or the name of a host variable (one breaker per distinct value). */
  scope: string;
  failureThreshold: number;
  successThreshold: number;
  cooldownMs: number;
  onOpen: 'skip' | 'wait';
}

/**
 * What a task does: the action's name (the task key that names it) and its arguments as the action parsed
 * them. Each action declares its own argument type (src/actions/); the playbook model stays open to new ones.
 */
export interface TaskAction {
  readonly kind: string;
  readonly [arg: string]: unknown;
}

export const META_ACTIONS = [
  'flush_handlers',
  'end_host',
  'end_play',
  'end_batch',
  'noop',
  'refresh_inventory',
  'reset_connection',
  'clear_facts',
  'clear_host_errors',
] as const;
export type MetaAction = (typeof META_ACTIONS)[number];

/**
 * What runbook itself runs rather than an action: blocks, dynamic includes and meta. The loader makes these
 * from Ansible's keywords; the host flow walks them, and no action module ever sees one.
 */
export type StructureAction =
  | { kind: 'block'; block: TaskSpec[]; rescue: TaskSpec[]; always: TaskSpec[]; implicit: boolean }
  | { kind: 'include_tasks'; file: string; tasks: TaskSpec[]; choices?: Record<string, TaskSpec[]> }
  | { kind: 'include_role'; name: string; tasks: TaskSpec[]; choices?: Record<string, TaskSpec[]> }
  | {
      kind: 'include_vars';
      file: string;
      vars: Record<string, unknown>;
      choices?: Record<string, Record<string, unknown>>;
    }
  | { kind: 'meta'; meta: MetaAction };

export const STRUCTURE_KINDS: ReadonlySet<string> = new Set([
  'block',
  'include_tasks',
  'include_role',
  'include_vars',
  'meta',
]);

/** The names a handler answers to: its own, and `role : name` when a role brought it, as Ansible names it. */
export function handlerNames(name: string, role: string | undefined): string[] {
  return role === undefined ? [name] : [name, `${role} : ${name}`];
}

/**
 * A templated include names its file (or role) per host at run time: `choices` holds what each name it can
 * render to loads, all read and checked with the playbook. Every task an include can run, whatever its name.
 */
export function includedTasks(action: { tasks: TaskSpec[]; choices?: Record<string, TaskSpec[]> }): TaskSpec[] {
  return action.choices ? Object.values(action.choices).flat() : action.tasks;
}

/** The structure a task is, or null for a task that runs an action. */
export function structureOf(action: TaskAction): StructureAction | null {
  return STRUCTURE_KINDS.has(action.kind) ? (action as unknown as StructureAction) : null;
}

/** `loop:` and the `with_*` forms Ansible still accepts, with `loop_control`. */
export interface LoopSpec {
  /** Which keyword wrote it: with_items flattens one level, with_dict and with_indexed_items reshape items. */
  source: 'loop' | 'with_items' | 'with_list' | 'with_dict' | 'with_indexed_items';
  /** A list written out, or an expression (a string, usually "{{ … }}") giving one. */
  items: unknown;
  loopVar: string;
  indexVar?: string;
  label?: string;
  pauseMs: number;
  extended: boolean;
}

export interface BecomeSpec {
  user: string;
  method: 'sudo' | 'su';
}

export interface TaskSpec {
  name: string;
  action: TaskAction;
  /** Every expression must hold (a YAML list is an AND, as in Ansible). */
  when?: string[];
  register?: string;
  timeoutMs?: number;
  retries: number;
  retryDelayMs: number;
  failedWhen?: string[];
  changedWhen?: string[];
  ignoreErrors: boolean;
  /**
   * `run`: a read-only task that also runs under --check. `skip` (default): reported as would-run.
   * `always`: Ansible's `check_mode: true`, treated as under --check on every run.
   */
  checkMode: 'run' | 'skip' | 'always';
  /** Ansible's `until`: attempts repeat until every expression holds. */
  until?: string[];
  loop?: LoopSpec;
  /** Handler names or listen topics notified when the task changed something. */
  notify?: string[];
  /** For a handler: the topics it answers besides its name. */
  listen?: string[];
  /** Its own tags and those of every enclosing block, role, import and play. */
  tags?: string[];
  /** Set when the task runs with another user's privileges (inherited from blocks and the play). */
  become?: BecomeSpec;
  /** Inventory host (or `localhost`) the task runs on, for the host it is planned for. */
  delegateTo?: string;
  runOnce?: boolean;
  noLog?: boolean;
  anyErrorsFatal?: boolean;
  environment?: Record<string, string>;
  /** Task, block and role variables, inner first: above play variables, below registered results. */
  vars?: Record<string, unknown>;
  /** Role defaults: below inventory variables. */
  defaults?: Record<string, unknown>;
  /** The directory templates are looked up from (the role's, or the playbook's). */
  dir?: string;
  role?: string;
  /** pre_tasks, tasks or post_tasks: handlers are flushed when a host leaves a section. */
  section?: 'pre_tasks' | 'tasks' | 'post_tasks';
  /** The play's own "Gathering Facts" step, which no task of the playbook wrote. */
  implicit?: 'facts';
  loc: Loc;
  locs: Locs;
}

export interface PlaySpec {
  name: string;
  /** Host pattern, Ansible syntax. */
  hosts: string;
  /** Inventory path resolved against the playbook's directory, when the play names one. */
  inventory?: string;
  /** `platforms:` as written: a folder of platform profiles relative to the playbook. */
  platforms?: string;
  vars: Record<string, unknown>;
  forks: number;
  /** New SSH connections per second; null = no cap. */
  connectRate: number | null;
  connectTimeoutMs: number;
  serial: SerialEntry[] | null;
  maxFailPercentage: number | null;
  maxFailures: number | null;
  breaker: BreakerSpec | null;
  /** pre_tasks, role tasks, tasks and post_tasks, in that order; each top-level task names its section. */
  tasks: TaskSpec[];
  rescue: TaskSpec[];
  handlers?: TaskSpec[];
  /** free: each host runs its tasks on its own (default); linear: task by task across the batch. */
  strategy?: 'free' | 'linear';
  /** `connection: local` or `hosts: localhost`: tasks run on the controller. */
  connection?: 'local' | 'ssh';
  anyErrorsFatal?: boolean;
  /**
   * The implicit "Gathering Facts" step, absent for `gather_facts: false`. `always` for `gather_facts: true`;
   * `auto` when the key is absent: the planner puts it first only if the play reads a fact.
   */
  gathering?: { mode: 'always' | 'auto'; task: TaskSpec };
  /** The play's own tags (its tasks carry them too). */
  tags?: string[];
  /** `remote_user`: the login when the inventory names none. */
  remoteUser?: string;
  /** Directory of the playbook file: the template path is `templates/` here, then `../templates/`. */
  dir: string;
  loc: Loc;
  locs: Locs;
}

export interface PlaybookSpec {
  /** Absolute path. */
  path: string;
  /** How diagnostics name the file. */
  file: string;
  plays: PlaySpec[];
}

export const DEFAULTS = {
  forks: 10,
  connectTimeoutMs: 10_000,
  retryDelayMs: 1_000,
  breaker: { failureThreshold: 3, successThreshold: 1, cooldownMs: 30_000, onOpen: 'skip' as const },
} as const;

/**
 * Names every host has whatever the inventory says (`inventory_hostname`, `group_names`, `groups`): the
 * planner accepts them in expressions, and secret collection skips them.
 */
export const MAGIC_VARS = [
  'inventory_hostname',
  'group_names',
  'groups',
  'inventory_hostname_short',
  'inventory_file',
  'inventory_dir',
  'playbook_dir',
  'ansible_check_mode',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'ansible_play_batch',
  'omit',
  'hostvars',
] as const;
