import type { PlatformCatalog } from '../network/platform.js';
import type { Connection } from '../inventory/connection.js';
import type { Preview, Renderer } from '../actions/action.js';
import type { PlaySpec, TaskSpec } from '../playbook/types.js';

/**
 * The plan: what a run will do, decided before it starts. `validate` and `plan` stop here; `apply` hands it
 * to the scheduler. Pure data, apart from each play's renderer.
 */

export interface PlannedTask {
  index: number;
  spec: TaskSpec;
  /**
   * What the task looks like for this host before anything ran (registered results are placeholders), or
   * `{ skipped: 'when' }` when its `when` is already false for the host, so nothing of it was rendered.
   */
  preview: Preview;
}

export interface PlannedHost {
  name: string;
  /** Every variable the host sees before any task ran: inventory (by precedence), play vars, magic vars. */
  vars: Record<string, unknown>;
  connection: Connection;
  /** The play's top-level steps (pre_tasks, roles, tasks, post_tasks); blocks and includes hold the rest. */
  tasks: PlannedTask[];
  rescue: PlannedTask[];
  /** Values decrypted from ansible-vault: redacted wherever they show up, whatever variable holds them. */
  secrets?: readonly string[];
}

export interface PlannedPlay {
  index: number;
  name: string;
  spec: PlaySpec;
  /** Host names per batch, in order; every targeted host appears in exactly one batch. */
  batches: string[][];
  hosts: Map<string, PlannedHost>;
  /** Renders the play's templates and expressions at run time, when registered results are known. */
  renderer: Renderer;
  /** delegate_to: how to reach another inventory host (or localhost) by name; undefined when there is none. */
  connectionOf?: (host: string) => Connection | undefined;
  /** `-e` variables: above every other variable of a task (task, block and role vars, set_fact, facts). */
  extraVars?: Record<string, unknown>;
}

export interface Plan {
  /** Absolute path of the playbook. */
  playbook: string;
  plays: PlannedPlay[];
  /** The platform profiles network_cli hosts are driven by, when any host is one. */
  platforms?: PlatformCatalog;
}

/** What a registered result looks like before its task ran: plan previews render against this. */
export const REGISTERED_PLACEHOLDER = Object.freeze({
  stdout: '',
  stdout_lines: [],
  stderr: '',
  stderr_lines: [],
  rc: 0,
  changed: false,
  failed: false,
  skipped: false,
});

/** The variables of every host of every play, e.g. to collect the secrets a plan may print. */
export function* planVars(plan: Plan): Iterable<Record<string, unknown>> {
  for (const play of plan.plays) for (const host of play.hosts.values()) yield host.vars;
}

/**
 * Secrets a host's variable names do not give away: values decrypted from ansible-vault, and passwords as
 * the connection resolved them (a templated `ansible_password` is only known once rendered).
 */
export function* hostSecrets(host: PlannedHost): Iterable<string> {
  yield* host.secrets ?? [];
  if (host.connection.password !== undefined) yield host.connection.password;
  if (host.connection.become?.password !== undefined) yield host.connection.become.password;
}

export function* planSecrets(plan: Plan): Iterable<string> {
  for (const play of plan.plays) for (const host of play.hosts.values()) yield* hostSecrets(host);
}
