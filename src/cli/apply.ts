import { resolve } from 'node:path';
import { EXIT, UsageError, existingFile, limitPattern, parseFlags, positiveInt } from './args.js';
import { INVENTORY_FLAGS, INVENTORY_HELP, inventoryInputs, planInputs, printWarnings } from './inventory-flags.js';
import type { Io } from '../report/io.js';
import { loadPlan } from '../engine/load-plan.js';
import type { Plan } from '../engine/plan-model.js';
import { formatDiagnostic } from '../playbook/diagnostic.js';
import { canonicalPath, hostsToResume, RunNotFoundError } from '../report/journal.js';
import { JournalError } from '../report/journal-line.js';
import { outputFileProblem } from '../report/writable.js';
import { runApply } from './run-apply.js';
import { SELECTION_FLAGS, SELECTION_USAGE, taskSelection } from './selection.js';

export const HELP = `usage: runbook apply PLAYBOOK [-i SRC]... [-e VARS]... [-l PATTERN] [-F FILE] [-C] [-D] [-f N]
                     [-v] [--report-file FILE] [--junit FILE] [--json] [--resume [RUN_ID]] [--run-dir DIR]
                     [--tags TAGS] [--skip-tags TAGS] [--force-handlers]

Runs the plays over SSH: batches in order, at most --forks hosts at once, each site's breaker and the
failure budget guarding the rollout. Every run is recorded under DIR/.runbook/runs/RUN_ID/.

options:
${INVENTORY_HELP}
                        (-i is used for every play; otherwise each play's "inventory:")
  -l, --limit PATTERN   only hosts that also match this host pattern
  -F, --ssh-config FILE OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config
  -C, --check           connect, compare and report, but change nothing
  -D, --diff            show the diff of every template that changes (or would change, with --check)
  -f, --forks N         at most N hosts at once, for every play
  -v, --verbose         list every host in the final table, even on a large fleet
  --force-handlers      run notified handlers on a host even after it failed
${SELECTION_USAGE}
  --report-file FILE    write the run report as JSON to FILE
  --junit FILE          write a JUnit XML report to FILE
  --json                print the report as JSON on stdout instead of tables (progress goes to stderr)
  --resume [RUN_ID]     run only the hosts that did not end ok/changed in that run
                        (default: the latest run of this playbook)
  --run-dir DIR         where .runbook/runs/ is kept (default: the current directory)
  -h, --help            show this help

Ctrl-C (or SIGTERM) starts no new host and lets in-flight hosts finish; a second one stops them.

exit status: 0 all ok/changed, 2 some hosts failed or unreachable, 3 some hosts never attempted (failure
budget or open breaker), 4 invalid playbook/inventory/template, 5 bad usage, 130 interrupted
`;

const FLAGS = {
  ...INVENTORY_FLAGS,
  'ssh-config': { type: 'string', short: 'F' },
  limit: { type: 'string', short: 'l' },
  check: { type: 'boolean', short: 'C' },
  diff: { type: 'boolean', short: 'D' },
  forks: { type: 'string', short: 'f' },
  verbose: { type: 'boolean', short: 'v' },
  'report-file': { type: 'string' },
  junit: { type: 'string' },
  json: { type: 'boolean' },
  resume: { type: 'boolean' },
  'run-dir': { type: 'string' },
  'force-handlers': { type: 'boolean' },
  ...SELECTION_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

/**
 * parseArgs has no optional values, so `--resume RUN_ID` is taken apart first: the word after `--resume` is
 * its value only when it looks like a run id (`apply site.yml --resume` leaves the playbook alone).
 */
function takeResumeId(argv: string[]): { argv: string[]; resumeId: string | undefined } {
  const joined = argv.findIndex((a) => a.startsWith('--resume='));
  if (joined >= 0)
    return {
      argv: argv.map((a, i) => (i === joined ? '--resume' : a)),
      resumeId: argv[joined]!.slice('--resume='.length) || undefined,
    };
  const at = argv.indexOf('--resume');
  const next = argv[at + 1];
  if (at < 0 || next === undefined || !RUN_ID.test(next)) return { argv, resumeId: undefined };
  return { argv: [...argv.slice(0, at + 1), ...argv.slice(at + 2)], resumeId: next };
}

export async function apply(rawArgv: string[], io: Io): Promise<number> {
  const { argv, resumeId } = takeResumeId(rawArgv);
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (values.resume && positionals.length === 2)
    throw new UsageError(
      `one PLAYBOOK, and --resume takes a run id such as 20261126-184812-3f9a: got ${positionals.join(' ')}`,
    );
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0 ? 'a PLAYBOOK is required' : `one PLAYBOOK at a time, not ${positionals.join(' ')}`,
    );
  const forks = positiveInt('--forks', values.forks);
  const limit = limitPattern(values.limit);
  const playbook = positionals[0]!;
  const runDir = resolve(io.cwd, values['run-dir'] ?? '.');
  const check = values.check ?? false;

  let resume: ReturnType<typeof resumePoint> | null = null;
  try {
    if (values.resume) resume = resumePoint(runDir, playbook, resumeId, io);
  } catch (err) {
    if (!(err instanceof JournalError)) throw err;
    io.err(`${err.file}:${err.line}:1: ${err.message}\n`);
    return EXIT.invalid;
  }
  if (resume) io.err(resumeNote(resume, playbook, resumeId));

  const selection = taskSelection(values, io.env);
  const loaded = loadPlan({
    playbook,
    cwd: io.cwd,
    ...planInputs(await inventoryInputs(values, io)),
    ...selection,
    check,
    ...(limit === undefined ? {} : { limit }),
    ...(values['ssh-config'] !== undefined ? { sshConfigFile: existingFile('-F', values['ssh-config'], io.cwd)! } : {}),
    ...(resume ? { resume: { targets: resume.targeted, finishedPlays: resume.finishedPlays } } : {}),
  });
  printWarnings(io, loaded.warnings);
  if (!loaded.plan) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    return EXIT.invalid;
  }
  const plan = loaded.plan;
  if (resume && targets(plan) === 0) {
    const why =
      resume.hosts.length === 0
        ? `every host of run ${resume.runId} ended ok or changed`
        : `none of the ` +
          `${resume.hosts.length} hosts run ${resume.runId} left unfinished is targeted by ${playbook} any more`;
    // With --json, stdout is JSON whatever happens: a script parsing it must not meet a sentence.
    if (values.json)
      io.out(`${JSON.stringify({ resumed_from: resume.runId, nothing_to_resume: true, message: why })}\n`);
    else io.out(`nothing to resume: ${why}\n`);
    return EXIT.ok;
  }

  // Checked before the first host: a typo in a path must not cost a whole rollout's report.
  for (const [flag, file] of [
    ['--report-file', values['report-file']],
    ['--junit', values.junit],
  ] as const) {
    const problem = file === undefined ? null : outputFileProblem(resolve(io.cwd, file));
    if (problem) {
      io.err(`runbook apply: ${flag} ${file}: ${problem}\n`);
      return EXIT.usage;
    }
  }

  const applied = await whileStoppable(io, (stop) =>
    runApply(plan, {
      io,
      playbook,
      playbookLabel: playbook,
      check,
      diff: values.diff ?? false,
      resumedFrom: resume?.runId ?? null,
      stop,
      outputs: {
        runDir,
        json: values.json ?? false,
        verbose: values.verbose ?? false,
        ...(values['report-file'] ? { reportFile: values['report-file'] } : {}),
        ...(values.junit ? { junitFile: values.junit } : {}),
      },
      ...(forks !== undefined ? { forks } : {}),
      ...(values['force-handlers'] ? { forceHandlers: true } : {}),
    }),
  );
  if (applied.report === null) io.err(`runbook apply: ${applied.message}\n`);
  return applied.code;
}

const targets = (plan: Plan) => plan.plays.reduce((n, p) => n + p.hosts.size, 0);

/** The run `--resume` continues and the hosts it left unfinished; a missing run is a usage error. */
function resumePoint(
  runDir: string,
  playbook: string,
  runId: string | undefined,
  io: Io,
): ReturnType<typeof hostsToResume> {
  let found: ReturnType<typeof hostsToResume>;
  try {
    found = hostsToResume(runDir, playbook, runId, { cwd: io.cwd });
  } catch (err) {
    if (err instanceof RunNotFoundError) throw new UsageError(`--resume: ${err.message}`);
    throw err;
  }
  const wanted = canonicalPath(resolve(io.cwd, playbook));
  if (found.meta.playbook_path !== '' && canonicalPath(found.meta.playbook_path) !== wanted) {
    throw new UsageError(`--resume: run ${found.runId} was of ${found.meta.playbook}, not ${playbook}`);
  }
  return found;
}

/** Which run --resume continues and why that one: a wrong guess would re-run the wrong hosts. */
function resumeNote(resume: ReturnType<typeof hostsToResume>, playbook: string, asked: string | undefined): string {
  const why = asked === undefined ? `the latest recorded run of ${playbook}` : 'named on the command line';
  const started = resume.meta.created.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  const targeted = resume.targeted.length;
  const left = `${resume.hosts.length} of its ${targeted} host${targeted === 1 ? '' : 's'} unfinished`;
  const others = asked === undefined ? '; runbook runs lists every run, --resume RUN_ID picks another' : '';
  return `resuming run ${resume.runId} (${why}, started ${started} UTC): ${left}${others}\n`;
}

interface Stop {
  graceful: AbortSignal;
  hard: AbortSignal;
}

/**
 * Runs `work` with SIGINT/SIGTERM turned into stops. First signal: start no new host and let in-flight ones
 * finish. A second: end them now. The handlers go when `work` ends: a runbook embedded in a longer-lived
 * process must not keep swallowing its signals.
 */
async function whileStoppable<T>(io: Io, work: (stop: Stop) => Promise<T>): Promise<T> {
  const graceful = new AbortController();
  const hard = new AbortController();
  const onSignal = () => {
    if (graceful.signal.aborted) {
      if (!hard.signal.aborted) io.err('runbook: stopping the in-flight hosts now\n');
      hard.abort();
      return;
    }
    io.err(
      'runbook: interrupted: starting no new host; in-flight hosts are finishing (interrupt again to stop them)\n',
    );
    graceful.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work({ graceful: graceful.signal, hard: hard.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
