import type { ActionSyntax } from '../playbook/action-syntax.js';
import type { NewlineSequence } from '../playbook/template/newlines.js';
import type { TaskAction, TaskSpec } from '../playbook/types.js';
import type { Session } from '../transport/transport.js';
import type { Outcome } from './outcome.js';

/** What a task looks like for one host before anything ran, as `runbook plan` shows it (plain JSON). */
export type Preview = Readonly<Record<string, unknown>>;

/** Renders a task's templated text for one host at run time; errors name where the text was written. */
export interface Renderer {
  /** An inline template (a command, a dest); `keys` say where it was written, most precise first. */
  text(task: TaskSpec, keys: string[], text: string, vars: Record<string, unknown>): string;
  /** A template file from the play's template path, its own line ends written as `newline` (default \n). */
  file(task: TaskSpec, keys: string[], src: string, vars: Record<string, unknown>, newline?: NewlineSequence): string;
  /** An expression's truth. */
  test(expr: string, vars: Record<string, unknown>): boolean;
  /**
   * A value as Ansible templates it: strings rendered (a lone `{{ expr }}` keeps the expression's own type,
   * so `loop: "{{ users }}"` is a list), lists and mappings walked, anything else as it is.
   */
  value(v: unknown, vars: Record<string, unknown>): unknown;
}

/** Offline checks done once per task, whatever the host. */
export interface TaskChecks {
  /** Finds and compiles a template file; false (and the problem reported at `keys`) when it cannot be used. */
  template(keys: string[], src: string): boolean;
}

/** Rendering for one host before anything ran; a problem is reported where the text was written. */
export interface HostPreview {
  /** The rendered text, or the text as written when it cannot be rendered for this host. */
  text(keys: string[], text: string): string;
  /** The rendered file, or null when it cannot be rendered for this host. */
  file(keys: string[], src: string): string | null;
}

/** What an action runs with on one host. */
export interface ActionHost {
  readonly session: Session;
  readonly renderer: Renderer;
  /** The host's variables and the results registered so far. */
  readonly vars: Record<string, unknown>;
  /** --check: report what would change, change nothing. */
  readonly check: boolean;
  /** --diff: record the diff of what changes. */
  readonly diff: boolean;
  /** This task's time limit for one attempt. */
  readonly timeoutMs: number;
  /** Whether the run's hard stop has fired. */
  readonly stopped: boolean;
  /** Runs a call on the session under the task's deadline and the run's hard stop. */
  bounded<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * One action: everything runbook knows about it, in one place. The loader, the planner, the host runner
 * and `runbook plan` all go through the registry (registry.ts) and never name an action themselves.
 */
export interface Action<A extends TaskAction = TaskAction, P extends Preview = Preview> extends ActionSyntax<A> {
  /** The schema of the action's key in a task, exactly as schemas/playbook.schema.json holds it. */
  readonly schema: Readonly<Record<string, unknown>>;
  /** Expressions the action evaluates, checked offline like `when`: `key` is where they are written. */
  expressions?(action: A): { key: string; exprs: string[] }[];
  /** Variables the task sets for later tasks (set_fact), so the planner knows them before they exist. */
  defines?(action: A): string[];
  /** Their values for one host, from the task's preview, for the previews of the tasks after it. */
  previewFacts?(preview: P): Record<string, unknown>;
  /** What the action adds to a registered result (stat: `{stat: {...}}`), as a placeholder for the plan. */
  registers?(action: A): Record<string, unknown>;
  /** Checks that do not depend on the host; false when the task cannot be previewed at all. */
  prepare?(action: A, checks: TaskChecks): boolean;
  /** The task for one host before anything ran; `usable` is what `prepare` answered. */
  preview(action: A, host: HostPreview, usable: boolean): P;
  /** Lines under the task's heading in `runbook plan`; `redact` hides secrets. */
  describe(action: A, preview: P, redact: (text: string) => string): string[];
  /** Fields beside `name` and `action` in `runbook plan --json`. */
  json(action: A, preview: P, redact: (text: string) => string): Record<string, unknown>;
  /** Runs the task on one host (under --check: only as far as it is safe). Never throws. */
  run(action: A, task: TaskSpec, host: ActionHost): Promise<Outcome>;
}

/** Identity, typed: lets an action module be checked against the interface where it is written. */
export function defineAction<A extends TaskAction, P extends Preview>(action: Action<A, P>): Action<A, P> {
  return action;
}
