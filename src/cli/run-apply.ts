import { EventBus, type Listener } from '../engine/events.js';
import { planSecrets, planVars, type Plan } from '../engine/plan-model.js';
import type { RunReport } from '../engine/results.js';
import { runPlan } from '../engine/run.js';
import { redactorFor } from '../playbook/redact.js';
import type { Io } from '../report/io.js';
import { newRunId } from '../report/journal.js';
import { withJumps } from '../report/jumps.js';
import { attachOutputs, type Outputs } from '../report/outputs.js';
import { describeFsError } from '../report/writable.js';
import { TransportRouter } from '../transport/registry.js';
import type { Transport } from '../transport/transport.js';
import { EXIT } from './args.js';
import { exitCodeFor, exitOf } from './exit.js';

/** What the run shows and records, beyond its journal. */
export interface ShownOutputs {
  /** Where .runbook/runs/ is kept (relative to io.cwd). */
  runDir: string;
  json?: boolean;
  verbose?: boolean;
  reportFile?: string;
  junitFile?: string;
}

export interface ApplyOptions {
  /** Where the run prints, and its environment (secrets, `*_env` connection variables) and directory. */
  io: Io;
  /** The playbook as given on the command line: the journal records it, `--resume` finds runs by it. */
  playbook: string;
  /** How the report names the playbook; default its file name. */
  playbookLabel?: string;
  check?: boolean;
  diff?: boolean;
  /** Overrides every play's forks. */
  forks?: number;
  resumedFrom?: string | null;
  /** The journal, progress, tables and report files; null: none of them (the benchmark measures the run alone). */
  outputs: ShownOutputs | null;
  /** First stop: start no new host; second: end in-flight hosts now. */
  stop?: { graceful?: AbortSignal; hard?: AbortSignal };
  /** Also told every event of the run. */
  listener?: Listener;
  /** Reaches every host instead of the transports their connections name (tests and the benchmark's baselines). */
  transport?: Transport;
}

export type Applied =
  | { report: RunReport; code: number }
  /** The run could not start: its record could not be opened. */
  | { report: null; code: number; message: string };

/**
 * A plan applied as `runbook apply` does it: one run id, the transports from the registry, the journal,
 * progress and reports subscribed, the exit code as SPEC defines it. The demo and the benchmark run
 * through here too, so all three run the same way.
 */
export async function runApply(plan: Plan, opts: ApplyOptions): Promise<Applied> {
  const { io } = opts;
  const runId = newRunId();
  const bus = new EventBus();
  if (opts.listener) bus.subscribe(opts.listener);
  const check = opts.check ?? false;
  const diff = opts.diff ?? false;
  let outputs: Outputs | null = null;
  if (opts.outputs) {
    const o = opts.outputs;
    try {
      outputs = attachOutputs(bus, io, {
        json: o.json ?? false,
        verbose: o.verbose ?? false,
        diff,
        runDir: o.runDir,
        runId,
        playbook: opts.playbook,
        check,
        resumedFrom: opts.resumedFrom ?? null,
        exit: exitOf,
        ...(o.reportFile ? { reportFile: o.reportFile } : {}),
        ...(o.junitFile ? { junitFile: o.junitFile } : {}),
        // A diff is exactly where a templated secret would show: every host's secrets are scrubbed again.
        ...(diff ? { redactor: redactorFor(planVars(plan), io.env, planSecrets(plan)) } : {}),
      });
    } catch (err) {
      const where = (err as NodeJS.ErrnoException).path ?? o.runDir;
      return {
        report: null,
        code: EXIT.usage,
        message: `cannot record the run under ${o.runDir}: ${describeFsError(err, where)}`,
      };
    }
  }

  const warn = (m: string) => io.err(`warning: ${m}\n`);
  const router = opts.transport
    ? null
    : new TransportRouter({ env: io.env, warn, ...(plan.platforms ? { platforms: () => plan.platforms! } : {}) });
  const ran = await runPlan(plan, {
    transport: opts.transport ?? router!,
    bus,
    runId,
    check,
    diff,
    env: io.env,
    resumedFrom: opts.resumedFrom ?? null,
    ...(opts.playbookLabel !== undefined ? { playbookLabel: opts.playbookLabel } : {}),
    ...(opts.forks !== undefined ? { forks: opts.forks } : {}),
    ...(opts.stop?.graceful ? { signal: opts.stop.graceful } : {}),
    ...(opts.stop?.hard ? { abortSignal: opts.stop.hard } : {}),
  });
  // Jump connections are shared by hosts, so they end with the run rather than with any host.
  const transport = opts.transport ?? router!;
  await transport.close?.();
  const jumps = transport.jumpStats?.() ?? [];
  const report = withJumps(ran, plan, jumps);
  const unwritten = outputs ? outputs.finish(report) : [];

  // A journal line or progress line that could not be written (a full disk, a closed pipe) did not stop the rollout.
  // The same failure repeats for every event after it: each is said once, with how often it happened.
  const failures = new Map<string, number>();
  for (const err of bus.listenerErrors()) {
    const text = err instanceof Error ? err.message : String(err);
    failures.set(text, (failures.get(text) ?? 0) + 1);
  }
  for (const [text, n] of failures) {
    io.err(`runbook apply: an output failed during the run${n > 1 ? ` (${n} times)` : ''}: ${text}\n`);
  }
  const code = exitCodeFor(report);
  if (code !== EXIT.ok) return { report, code };
  // A full disk or a closed pipe is the machine's doing (exit 5); anything else is a bug in runbook.
  const environmental = bus.listenerErrors().every((e) => typeof (e as NodeJS.ErrnoException)?.code === 'string');
  if (bus.listenerErrors().length > 0) return { report, code: environmental ? EXIT.usage : EXIT.internal };
  // The hosts are fine but a file asked for on the command line is missing: CI must not read that as success.
  return { report, code: unwritten.length > 0 ? EXIT.usage : EXIT.ok };
}
