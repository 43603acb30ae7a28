import { neverAttempted, type RunReport } from '../engine/results.js';
import { EXIT } from './args.js';

/**
 * SPEC's exit codes for a run: 130 interrupted; 3 when some hosts were never attempted because the failure
 * budget halted the run or an open breaker skipped them (a budget exceeded by the run's last hosts leaves
 * none unattempted: that is 2); 2 when some host failed or was unreachable; 0 otherwise.
 */
export function exitCodeFor(report: RunReport): number {
  if (report.halted?.reason === 'interrupted') return EXIT.interrupted;
  if (report.hosts.some(neverAttempted)) return EXIT.halted;
  if (report.hosts.some((h) => h.status === 'failed' || h.status === 'unreachable')) return EXIT.hostsFailed;
  return EXIT.ok;
}

const MEANING: Readonly<Record<number, string>> = {
  [EXIT.ok]: 'every host ended ok or changed',
  [EXIT.hostsFailed]: 'some hosts failed or were unreachable',
  [EXIT.halted]: 'some hosts were never attempted',
  [EXIT.interrupted]: 'interrupted',
};

/** A run's exit code with its meaning, as the recap line and `runbook runs` show them. */
export function exitOf(report: RunReport): { code: number; meaning: string } {
  const code = exitCodeFor(report);
  return { code, meaning: MEANING[code] ?? 'see runbook apply --help' };
}
