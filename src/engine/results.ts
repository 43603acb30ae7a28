import type { Outcome, TaskFailure, TaskStatus } from '../actions/outcome.js';

/** Why a host did not end ok/changed. Open-ended on purpose: reports print whatever the engine found. */
/** `play_ended`: a host of a later batch that meta end_play kept from running, as Ansible runs no later batch. */
export type FailureReason = TaskFailure | 'breaker_open' | 'halted' | 'unreachable' | 'play_ended';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export interface TaskResult {
  name: string;
  status: TaskStatus;
  changed: boolean;
  rc: number | null;
  stdout: string;
  stderr: string;
  attempts: number;
  duration_ms: number;
  error: string | null;
  /** Set when the task failed: what kind of failure. */
  reason?: FailureReason | null;
  /** Under --check, a command that would have run. */
  would_run?: boolean;
  /** Unified diff of a template that changed (or would change under --check). */
  diff?: string;
  /** Where `backup: true` kept the file it replaced (copy, template, lineinfile, blockinfile). */
  backup_file?: string;
  /** A network config task: the lines pushed (under --check, that would be) and where the change stands. */
  network?: { lines: string[]; confirm: 'none' | 'pending' | 'confirmed' | 'rolled_back'; warnings: string[] };
  /** True for a task of the play's `rescue` list. */
  rescue?: boolean;
  ignored?: boolean;
  /** A failure a block's rescue took over (Ansible's "rescued"): the host fails only if the rescue does. */
  rescued?: boolean;
  /** A handler, run because a changed task notified it. */
  handler?: boolean;
  /** The host the task ran on for this one (delegate_to, local_action). */
  delegated_to?: string;
  /** One entry per loop item, in order. */
  items?: ItemResult[];
}

/** What one item of a looped task did: its outcome, less the failure reason the task as a whole reports. */
export type ItemResult = { label: string } & Pick<Outcome, 'status' | 'changed' | 'rc' | 'stdout' | 'stderr' | 'error'>;

export interface HostResult {
  name: string;
  play: string;
  batch: number;
  status: HostStatus;
  reason: FailureReason | null;
  /** ISO time the host started, or null when it never started (skipped). */
  started: string | null;
  duration_ms: number;
  tasks: TaskResult[];
  /** Human-readable detail of the failure, if any (secrets redacted). */
  error?: string | null;
  /** The jump host (chain) the host is reached through, when there is one. */
  jump?: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerTransition {
  at: string;
  from: BreakerState;
  to: BreakerState;
}

export interface BreakerTimeline {
  /** `play` or `VAR=value`, e.g. `site=fra`. */
  scope: string;
  state: BreakerState;
  transitions: BreakerTransition[];
}

export type HaltReason = 'max_failures' | 'max_fail_percentage' | 'breaker_open' | 'interrupted' | 'any_errors_fatal';

export interface Halted {
  reason: HaltReason;
  batch: number;
}

export interface Summary {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
}

/** The report of one run, exactly as SPEC.md gives its JSON. */
export interface RunReport {
  run_id: string;
  playbook: string;
  check: boolean;
  started: string;
  finished: string;
  duration_ms: number;
  halted: Halted | null;
  summary: Summary;
  hosts: HostResult[];
  breakers: BreakerTimeline[];
  /** The run this one resumed, if it was started with --resume. */
  resumed_from?: string | null;
  /** The jump hosts the run went through. */
  jumps?: JumpReport[];
}

/** One jump host of a run: what it carried and what it cost. */
export interface JumpReport {
  /** `user@host:port`, hops before it first (`a > b`). */
  host: string;
  devices: number;
  /** Successful logins: one per shared jump connection. */
  logins: number;
  failures: number;
  /** Jump connections lost while in use. */
  drops: number;
  peak_channels: number;
  state: BreakerState;
  transitions: (BreakerTransition & { error?: string })[];
}

/** A host the run never attempted because the failure budget halted the run or its scope's breaker was open. */
export function neverAttempted(h: HostResult): boolean {
  return h.status === 'skipped' && (h.reason === 'halted' || h.reason === 'breaker_open');
}
