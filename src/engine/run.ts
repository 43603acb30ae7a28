import { setMaxListeners } from 'node:events';
import { basename } from 'node:path';
import { iso } from './clock.js';
import { RunCollector } from './collector.js';
import { runContext, type RunContextOptions } from './context.js';
import type { Plan } from './plan-model.js';
import type { RunReport } from './results.js';
import { Scheduler } from './scheduler.js';

export interface RunOptions extends RunContextOptions {
  runId: string;
  resumedFrom?: string | null;
  /** How the report names the playbook (the path as given on the command line); default its file name. */
  playbookLabel?: string;
}

/** Runs every play of the plan in order and returns the report. Never throws for a host's failure. */
export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunReport> {
  const ctx = runContext(opts);
  // Every in-flight host listens on the run's stop signals (and lets go when it settles): with more than ten
  // forks that is more than Node's default of ten listeners, which is by design, not a leak.
  const signals = [opts.signal, opts.abortSignal].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length > 0) setMaxListeners(0, ...signals);
  const collector = new RunCollector(ctx.bus);
  const targets = plan.plays.flatMap((p) => p.batches.flat());
  ctx.bus.emit({
    type: 'run_start',
    at: iso(ctx.clock),
    run_id: opts.runId,
    playbook: opts.playbookLabel ?? basename(plan.playbook),
    check: ctx.check,
    resumed_from: opts.resumedFrom ?? null,
    hosts: targets.length,
    targets,
    play_targets: plan.plays.map((p) => p.batches.flat().length),
  });
  const scheduler = new Scheduler(ctx);
  for (const play of plan.plays) await scheduler.runPlay(play);
  ctx.bus.emit({ type: 'run_end', at: iso(ctx.clock), run_id: opts.runId, halted: scheduler.halted });
  return collector.report();
}
