import type { Connection } from '../inventory/connection.js';
import type { PlaySpec, TaskSpec } from '../playbook/types.js';

/**
 * The plan: what a run will do, decided before it starts. `validate` and `plan` stop here; `apply` hands it
 * to the scheduler. Pure data, apart from each play's renderer.
 */

/** What a task looks like for this host before anything ran (registered results are placeholders). */
export interface TaskPreview {
  command?: string;
  template?: { src: string; dest: string; content: string; mode?: string };
  /** The task's `when` is false for this host before anything runs: it is skipped, so nothing is rendered. */
  skipped?: 'when';
}

export interface PlannedTask {
  index: number;
  spec: TaskSpec;
  preview: TaskPreview;
}

export interface PlannedHost {
  name: string;
  /** Every variable the host sees before any task ran: inventory (by precedence), play vars, magic vars. */
  vars: Record<string, unknown>;
  connection: Connection;
  tasks: PlannedTask[];
  rescue: PlannedTask[];
}

/**
 * Renders a task for one host at run time, when registered results are known. The plan carries one per
 * play so the engine never needs to know about Nunjucks or the template path.
 */
export interface TaskRenderer {
  command(task: TaskSpec, ctx: Record<string, unknown>): string;
  template(task: TaskSpec, ctx: Record<string, unknown>): { dest: string; content: string; mode?: string };
  /** A `when`/`failed_when`/`changed_when`/`assert` expression, evaluated for its truth. */
  test(expr: string, ctx: Record<string, unknown>): boolean;
}

export interface PlannedPlay {
  index: number;
  name: string;
  spec: PlaySpec;
  /** Host names per batch, in order; every targeted host appears in exactly one batch. */
  batches: string[][];
  hosts: Map<string, PlannedHost>;
  renderer: TaskRenderer;
}

export interface Plan {
  /** Absolute path of the playbook. */
  playbook: string;
  plays: PlannedPlay[];
}

/** What a registered result looks like before its task ran: plan previews render against this. */
export const REGISTERED_PLACEHOLDER = Object.freeze({ stdout: '', stderr: '', rc: 0, changed: false, failed: false, skipped: false });

/** The variables of every host of every play, e.g. to collect the secrets a plan may print. */
export function* planVars(plan: Plan): Iterable<Record<string, unknown>> {
  for (const play of plan.plays) for (const host of play.hosts.values()) yield host.vars;
}
