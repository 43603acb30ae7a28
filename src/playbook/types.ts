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
  /** `run`: a read-only task that also runs under --check. `skip` (default): reported as would-run. */
  checkMode: 'run' | 'skip';
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
  tasks: TaskSpec[];
  rescue: TaskSpec[];
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
