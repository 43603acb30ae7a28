import Table from 'cli-table3';
import { storedReport, type StoredRun } from './journal.js';
import type { ExitOf } from './table.js';

/** What a run came to, in a few words: its exit code and the counts behind it. */
export function runOutcome(run: StoredRun, exitOf: ExitOf): string {
  const report = storedReport(run);
  const s = report.summary;
  const counts = (['failed', 'unreachable', 'skipped'] as const).filter((k) => s[k] > 0).map((k) => `${s[k]} ${k}`);
  if (!run.report) {
    const how = run.ended ? 'report.json missing' : 'incomplete (killed?)';
    return [how, ...counts].join(', ');
  }
  const { code, meaning } = exitOf(report);
  return `exit ${code}: ${counts.length > 0 ? counts.join(', ') : meaning}`;
}

/** `2026-11-26 18:48:12` in UTC: the run id's own clock, to the second. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

/** One row per run, newest first: what `--resume RUN_ID` and `runbook report RUN_ID` take. */
export function renderRuns(runs: StoredRun[], exitOf: ExitOf): string {
  const table = new Table({
    head: ['run', 'playbook', 'started (UTC)', 'hosts', 'outcome', 'check', 'resumed from'],
    style: { head: [], border: [], compact: true },
  });
  for (const run of runs) {
    const report = storedReport(run);
    const hosts = run.targets?.length ?? report.hosts.length;
    table.push([
      run.runId,
      run.meta.playbook,
      shortTime(report.started || run.meta.created),
      { content: hosts, hAlign: 'right' },
      runOutcome(run, exitOf),
      run.meta.check ? 'check' : '',
      run.meta.resumed_from ?? '',
    ]);
  }
  return `${table.toString()}\n`;
}
