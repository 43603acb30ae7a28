import { resolve } from 'node:path';
import { EXIT, parseFlags, UsageError } from './args.js';
import { useColor, type Io } from '../report/io.js';
import { hostsNeverEnded, readRun, RunNotFoundError, storedReport, type StoredRun } from '../report/journal.js';
import { renderJson } from '../report/json.js';
import { JournalError } from '../report/journal-line.js';
import { renderReport } from '../report/table.js';
import { exitOf } from './exit.js';

export const HELP = `usage: runbook report [RUN_ID] [--json] [--run-dir DIR] [--verbose]

Shows a stored run again, as apply showed it. Without RUN_ID: the latest run.

options:
  --json          print the run's report.json instead of tables
  --run-dir DIR   where runs are recorded (DIR/.runbook/runs); default: the current directory
  --verbose       list every host, even on a large fleet
  -h, --help      show this help
`;

function listSome(names: string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

/** Why the stored report may be partial: a run killed before it wrote report.json. */
function incompleteNote(run: StoredRun): string | null {
  if (run.report) return null;
  const missing = hostsNeverEnded(run);
  const how = run.ended ? 'it finished but its report.json is missing' : 'it stopped before it finished (killed?)';
  let note =
    `incomplete run: ` +
    `${how}; showing the ` +
    `${run.journaled.hosts.length} host outcome${run.journaled.hosts.length === 1 ? '' : 's'} its journal holds`;
  if (missing.length > 0)
    note += `; no outcome for ${missing.length} targeted host${missing.length === 1 ? '' : 's'}: ${listSome(missing)}`;
  return note;
}

/**
 * `runbook report [RUN_ID]`: exit 0 when the run was shown. A RUN_ID with no stored run, or no runs at all,
 * is a bad argument: exit 5 with one line.
 */
export async function report(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    json: { type: 'boolean' },
    'run-dir': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1)
    throw new UsageError(`takes at most one RUN_ID, got ${positionals.length}: ${positionals.join(' ')}`);
  const runDir = resolve(io.cwd, values['run-dir'] ?? '.');

  let run: StoredRun;
  try {
    run = readRun(runDir, positionals[0]);
  } catch (err) {
    if (err instanceof JournalError) {
      io.err(`${err.file}:${err.line}:1: ${err.message}\n`);
      return EXIT.invalid;
    }
    if (err instanceof RunNotFoundError) {
      const hint =
        err.kind === 'no_runs' ? ' (runbook apply records each run there; --run-dir picks another directory)' : '';
      io.err(`runbook report: ${err.message}${hint}\n`);
      return EXIT.usage;
    }
    throw err;
  }

  const note = incompleteNote(run);
  const stored = storedReport(run);
  if (values.json) {
    if (note) io.err(`runbook report: ${note}\n`);
    io.out(renderJson(stored));
    return EXIT.ok;
  }
  if (note) io.out(`${note}\n\n`);
  io.out(renderReport(stored, { verbose: values.verbose ?? false, color: useColor(io), exit: exitOf }));
  return EXIT.ok;
}
