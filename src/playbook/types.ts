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

export type TaskAction =
  | { kind: 'command'; command: string }
  | { kind: 'template'; src: string; dest: string; mode?: string }
  | { kind: 'assert'; that: string[]; msg?: string };

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

/** Ansible's YAML inventory, loaded but not yet resolved: variable precedence and patterns work on this. */
export interface InventoryHost {
  name: string;
  /** Variables written on the host itself. */
  vars: Record<string, unknown>;
  /** Groups that list the host directly. */
  groups: string[];
  loc: Loc;
  /** The inventory source the host was first read from (its `inventory_file`). */
  source?: string;
}

export interface InventoryGroup {
  name: string;
  vars: Record<string, unknown>;
  /** Hosts listed directly in this group. */
  hosts: string[];
  children: string[];
  loc: Loc;
  /** `ansible_group_priority`: orders the vars of groups at the same depth (default 1). */
  priority?: number;
}

/** Variables read from the `group_vars/` and `host_vars/` folders of one directory. */
export interface VarsTree {
  dir: string;
  groups: Map<string, Record<string, unknown>>;
  hosts: Map<string, Record<string, unknown>>;
}

export interface Inventory {
  path: string;
  file: string;
  /** In file order. */
  hosts: Map<string, InventoryHost>;
  /** Always holds `all`; in file order. */
  groups: Map<string, InventoryGroup>;
  /** Every `-i` source as given (files or folders), absolute. */
  sources?: string[];
  /** `group_vars/`/`host_vars/` beside each source, in source order. */
  varsTrees?: VarsTree[];
}
