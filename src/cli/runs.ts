import { resolve } from 'node:path';
import { EXIT, parseFlags, positiveInt, UsageError } from './args.js';
import type { Io } from '../report/io.js';
import { recentRuns } from '../report/journal.js';
import { renderRuns } from '../report/runs-table.js';
import { exitOf } from './exit.js';

export const HELP = `usage: runbook runs [--run-dir DIR] [--last N]

Lists the recorded runs, newest first: id, playbook, when it started, how many hosts it targeted, its
outcome, and whether it was a --check run. A run id is what runbook report RUN_ID and
runbook apply PLAYBOOK --resume RUN_ID take.

options:
  --run-dir DIR   where runs are recorded (DIR/.runbook/runs); default: the current directory
  --last N        show the N latest runs (default 20)
  -h, --help      show this help

exit status: 0 listed (also when there is none), 5 bad usage
`;

export async function runs(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    'run-dir': { type: 'string' },
    last: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`takes no arguments, got ${positionals.join(' ')}`);
  const last = positiveInt('--last', values.last) ?? 20;
  const runDir = resolve(io.cwd, values['run-dir'] ?? '.');
  const { runs: shown, total } = recentRuns(runDir, last);
  if (total === 0) {
    io.err(`no runs recorded under ${runDir}/.runbook/runs (runbook apply records each run there)\n`);
    return EXIT.ok;
  }
  io.out(renderRuns(shown, exitOf));
  if (total > shown.length)
    io.out(
      `${total - shown.length} older run${total - shown.length === 1 ? '' : 's'} not shown (--last N shows more)\n`,
    );
  return EXIT.ok;
}
