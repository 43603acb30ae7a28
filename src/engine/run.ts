import { basename } from 'node:path';
import { RunCollector } from './collector.js';
import type { Transport } from '../transport/transport.js';
import { iso, systemClock, type Clock } from './clock.js';
import type { EventBus } from './events.js';
import type { Plan } from './plan-model.js';
import type { RunReport } from './results.js';
import { Scheduler } from './scheduler.js';

export interface RunOptions {
  transport: Transport;
  bus: EventBus;
  runId: string;
  check?: boolean;
  diff?: boolean;
  /** Overrides every play's forks (--forks). */
  forks?: number;
  /** Graceful stop: start no new host, in-flight hosts finish; halted = {reason: 'interrupted'}. */
  signal?: AbortSignal;
  /** Hard stop: end in-flight hosts now (recorded failed, reason 'interrupted'). */
  abortSignal?: AbortSignal;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  resumedFrom?: string | null;
  /** How the report names the playbook (the path as given on the command line); default its file name. */
  playbookLabel?: string;
  /** A task without `timeout` gets this one (default 5 minutes, see host-runner.ts). */
  defaultTaskTimeoutMs?: number;
}

/** Runs every play of the plan in order and returns the report. Never throws for a host's failure. */
export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunReport> {
  const clock = opts.clock ?? systemClock;
  const collector = new RunCollector(opts.bus);
  const targets = plan.plays.flatMap((p) => p.batches.flat());
  opts.bus.emit({
    type: 'run_start',
    at: iso(clock),
    run_id: opts.runId,
    playbook: opts.playbookLabel ?? basename(plan.playbook),
    check: opts.check ?? false,
    resumed_from: opts.resumedFrom ?? null,
    hosts: targets.length,
    targets,
    play_targets: plan.plays.map((p) => p.batches.flat().length),
  });
  const scheduler = new Scheduler({
    transport: opts.transport,
    bus: opts.bus,
    clock,
    check: opts.check ?? false,
    diff: opts.diff ?? false,
    env: opts.env ?? process.env,
    ...(opts.forks !== undefined ? { forks: opts.forks } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}),
    ...(opts.defaultTaskTimeoutMs !== undefined ? { defaultTaskTimeoutMs: opts.defaultTaskTimeoutMs } : {}),
  });
  for (const play of plan.plays) await scheduler.runPlay(play);
  opts.bus.emit({ type: 'run_end', at: iso(clock), run_id: opts.runId, halted: scheduler.halted });
  return collector.report();
}

/** A host the run never attempted because the failure budget halted it or its scope's breaker was open. */
export function neverAttempted(h: RunReport['hosts'][number]): boolean {
  return h.status === 'skipped' && (h.reason === 'halted' || h.reason === 'breaker_open');
}

/**
 * SPEC's exit codes: 130 interrupted; 3 when some hosts were never attempted because the failure budget
 * halted the run or an open breaker skipped them (a budget exceeded by the last hosts of the run leaves none
 * unattempted: that is 2); 2 when some host failed or was unreachable; 0 otherwise.
 */
export function exitCodeFor(report: RunReport): number {
  if (report.halted?.reason === 'interrupted') return 130;
  if (report.hosts.some(neverAttempted)) return 3;
  if (report.hosts.some((h) => h.status === 'failed' || h.status === 'unreachable')) return 2;
  return 0;
}

/** What each exit code of a run means, as the recap line shows it next to the code. */
export const EXIT_MEANING: Readonly<Record<number, string>> = {
  0: 'every host ended ok or changed',
  2: 'some hosts failed or were unreachable',
  3: 'some hosts were never attempted',
  130: 'interrupted',
};
