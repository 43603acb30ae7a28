import type { RunReport } from '../engine/results.js';
import { EXIT } from './args.js';

/**
 * SPEC's exit codes for a run: 130 interrupted; 3 when hosts were never attempted because the failure
 * budget halted the run or an open breaker skipped them; 2 when some host failed or was unreachable; 0
 * otherwise.
 */
export function exitCodeFor(report: RunReport): number {
  if (report.halted?.reason === 'interrupted') return EXIT.interrupted;
  if (report.halted || report.hosts.some((h) => h.status === 'skipped' && h.reason === 'breaker_open')) return EXIT.halted;
  if (report.hosts.some((h) => h.status === 'failed' || h.status === 'unreachable')) return EXIT.hostsFailed;
  return EXIT.ok;
}
