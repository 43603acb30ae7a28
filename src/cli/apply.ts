import { EXIT, UsageError, parseFlags, positiveInt } from './args.js';
import type { Io } from './io.js';
import { EventBus, type RunEvent } from '../engine/events.js';
import { loadPlan } from '../engine/load-plan.js';
import type { HostResult, RunReport } from '../engine/results.js';
import { exitCodeFor, runPlan } from '../engine/run.js';
import { formatDiagnostic } from '../playbook/diagnostic.js';
import { renderJson, writeReportFile } from '../report/json.js';
import { newRunId } from '../report/journal.js';
import { writeJunitFile } from '../report/junit.js';
import { SshTransport } from '../transport/ssh.js';

const USAGE = `usage: runbook apply PLAYBOOK [-i INV] [--limit PATTERN] [--check] [--diff] [--forks N]
                     [--report-file FILE] [--junit FILE] [--json] [--resume [RUN_ID]] [--run-dir DIR]

Runs the plays over SSH: batches in order, at most --forks hosts at once, each site's breaker and the
failure budget guarding the rollout.

options:
  -i, --inventory INV   inventory to use for every play (otherwise each play's "inventory:")
  --limit PATTERN       only hosts that also match this host pattern
  --check               connect, compare and report, but change nothing
  --diff                show the diff of every template that changes
  --forks N             at most N hosts at once, for every play
  --report-file FILE    write the run report as JSON to FILE
  --junit FILE          write a JUnit XML report to FILE
  --json                print the report as JSON on stdout instead of lines
  --resume [RUN_ID]     re-run only the hosts that did not end ok/changed in that run
  --run-dir DIR         where .runbook/runs/ is kept (default: the current directory)
  -h, --help            show this help

exit status: 0 all ok/changed, 2 some hosts failed or unreachable, 3 halted (failure budget or open
breaker), 4 invalid playbook/inventory/template, 5 bad usage, 130 interrupted
`;

const FLAGS = {
  inventory: { type: 'string', short: 'i' },
  limit: { type: 'string' },
  check: { type: 'boolean' },
  diff: { type: 'boolean' },
  forks: { type: 'string' },
  'report-file': { type: 'string' },
  junit: { type: 'string' },
  json: { type: 'boolean' },
  resume: { type: 'boolean' },
  'run-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--resume` takes an optional RUN_ID: a following word that is not a flag or the playbook is it. */
function splitResume(argv: string[]): { argv: string[]; resumeId: string | null } {
  const i = argv.indexOf('--resume');
  const next = argv[i + 1];
  if (i < 0 || next === undefined || next.startsWith('-') || /\.ya?ml$/i.test(next)) return { argv, resumeId: null };
  return { argv: [...argv.slice(0, i + 1), ...argv.slice(i + 2)], resumeId: next };
}

export async function apply(rawArgv: string[], io: Io): Promise<number> {
  const { argv } = splitResume(rawArgv);
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'a PLAYBOOK is required' : `one PLAYBOOK at a time, not ${positionals.length}`);
  if (values.resume) throw new UsageError('--resume is not available in this build yet');
  const forks = positiveInt('--forks', values.forks);
  const playbook = positionals[0]!;

  const loaded = loadPlan({ playbook, cwd: io.cwd, ...(values.inventory ? { inventory: values.inventory } : {}), ...(values.limit ? { limit: values.limit } : {}) });
  if (!loaded.plan) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    return EXIT.invalid;
  }

  const bus = new EventBus();
  if (!values.json) bus.subscribe((e) => printLine(e, io));
  const stop = stopOnSignals();
  let report: RunReport;
  try {
    report = await runPlan(loaded.plan, {
      transport: new SshTransport({ env: io.env, warn: (m) => io.err(`warning: ${m}\n`) }),
      bus,
      runId: newRunId(),
      check: values.check ?? false,
      diff: values.diff ?? false,
      env: io.env,
      signal: stop.graceful,
      abortSignal: stop.hard,
      playbookLabel: playbook,
      ...(forks !== undefined ? { forks } : {}),
    });
  } finally {
    stop.dispose();
  }

  if (values['report-file']) writeReportFile(values['report-file'], report);
  if (values.junit) writeJunitFile(values.junit, report);
  if (values.json) io.out(renderJson(report));
  else io.out(`${summaryLine(report)}\n`);
  return exitCodeFor(report);
}

function printLine(e: RunEvent, io: Io): void {
  if (e.type === 'host_end') io.out(`${hostLine(e.result)}\n`);
  else if (e.type === 'breaker') io.out(`breaker ${e.scope}: ${e.from} -> ${e.to}\n`);
  else if (e.type === 'halt') io.out(`halted: ${e.halted.reason} after batch ${e.halted.batch}\n`);
}

export function hostLine(h: HostResult): string {
  const took = h.started === null ? '' : `  (${h.duration_ms} ms)`;
  if (h.status === 'ok' || h.status === 'changed') return `${h.name}  ${h.status}${took}`;
  const detail = h.error ? `${h.reason}: ${h.error}` : (h.reason ?? '');
  return `${h.name}  ${h.status}  ${detail}`.trimEnd();
}

export function summaryLine(r: RunReport): string {
  const s = r.summary;
  const halted = r.halted ? `  halted: ${r.halted.reason} (batch ${r.halted.batch})` : '';
  return `ok=${s.ok} changed=${s.changed} failed=${s.failed} unreachable=${s.unreachable} skipped=${s.skipped}  in ${r.duration_ms} ms${halted}`;
}

/** First SIGINT/SIGTERM: start no new host and let in-flight ones finish. A second one: stop them now. */
function stopOnSignals(): { graceful: AbortSignal; hard: AbortSignal; dispose: () => void } {
  const graceful = new AbortController();
  const hard = new AbortController();
  const onSignal = () => (graceful.signal.aborted ? hard.abort() : graceful.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    graceful: graceful.signal,
    hard: hard.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
