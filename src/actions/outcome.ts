import { pySplitLines } from '../playbook/template/methods.js';
import { TransportError, type TransportFailure } from '../transport/transport.js';

/** `ok`/`changed`/`failed`; `skipped` for a false `when`, or under --check for a command that would run. */
export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped';

/** Why a task failed: the link (a transport failure), the action itself, or the run being stopped. */
export type TaskFailure =
  | TransportFailure
  | 'command'
  | 'assert'
  | 'template'
  /** A `fail` task failed the host, as asked. */
  | 'fail'
  /** A `when`/`failed_when`/`changed_when`/`assert` expression could not be evaluated. */
  | 'expression'
  | 'interrupted';

/** What one attempt at a task found, before names and timings are attached. */
export interface Outcome {
  status: TaskStatus;
  changed: boolean;
  rc: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
  reason: TaskFailure | null;
  /** Under --check, a task that would have run. */
  would_run?: boolean;
  /** Unified diff of what changed (or would change under --check). */
  diff?: string;
  /** Variables the task sets for the host's later tasks (set_fact). */
  facts?: Record<string, unknown>;
  /** Facts read from the host (setup), as `ansible_facts` holds them: kept apart from set_fact's variables. */
  ansibleFacts?: Record<string, unknown>;
  /** What the task found, added to its registered result (stat's `stat`, slurp's `content`). */
  data?: Record<string, unknown>;
  /** A network config task: the lines pushed (or that would be) and where the change stands. */
  network?: { lines: string[]; confirm: 'none' | 'pending' | 'confirmed' | 'rolled_back'; warnings: string[] };
}

/** The run's hard stop ended the operation. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export function done(status: 'ok' | 'changed' | 'skipped', partial: Partial<Outcome> = {}): Outcome {
  return {
    status,
    changed: status === 'changed',
    rc: null,
    stdout: '',
    stderr: '',
    error: null,
    reason: null,
    ...partial,
  };
}

export function failed(reason: TaskFailure, error: string, partial: Partial<Outcome> = {}): Outcome {
  return { status: 'failed', changed: false, rc: null, stdout: '', stderr: '', error, reason, ...partial };
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Registered results, as `register` stores them and expressions read them (`*_lines` as Ansible splits them). */
export function registered(o: Outcome): Record<string, unknown> {
  return {
    stdout: o.stdout,
    stdout_lines: pySplitLines(o.stdout),
    stderr: o.stderr,
    stderr_lines: pySplitLines(o.stderr),
    rc: o.rc,
    changed: o.changed,
    failed: o.status === 'failed',
    // Ansible's result of a task that ran has no `skipped` key (`r.skipped | default(…)` tells them apart).
    ...(o.status === 'skipped' ? { skipped: true } : {}),
    ...o.data,
  };
}

/** A failure of the link or of the run, or else of the action (`otherwise`). */
export function linkFailure(err: unknown, stopped: boolean, otherwise: () => Outcome): Outcome {
  if (err instanceof Interrupted || stopped) return failed('interrupted', 'interrupted');
  if (err instanceof TransportError) return failed(err.reason, err.message);
  return otherwise();
}
