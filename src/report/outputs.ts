import { resolve } from 'node:path';
import { useColor, type Io } from './io.js';
import type { EventBus } from '../engine/events.js';
import type { RunReport } from '../engine/results.js';
import type { Redactor } from '../playbook/redact.js';
import { renderDiffs } from './diff.js';
import { renderJson, writeReportFile } from './json.js';
import { openJournal } from './journal.js';
import { writeJunitFile } from './junit.js';
import { createProgress } from './progress.js';
import { renderReport, type ExitOf } from './table.js';
import { describeFsError } from './writable.js';

export interface OutputOptions {
  /** Print the report as JSON on stdout instead of tables; progress then goes to stderr. */
  json: boolean;
  verbose: boolean;
  /** Print the diff of every changed template before the tables. */
  diff: boolean;
  /** The journal goes to RUN_DIR/.runbook/runs/RUN_ID (relative to io.cwd). */
  runDir: string;
  runId: string;
  playbook: string;
  check: boolean;
  resumedFrom: string | null;
  reportFile?: string;
  junitFile?: string;
  /** Scrubs diffs once more before they are printed. */
  redactor?: Redactor;
  /** The run's exit code and meaning, for the recap line. */
  exit?: ExitOf;
  /** Progress redraw interval on a TTY. */
  progressIntervalMs?: number;
}

export interface Outputs {
  /**
   * Writes report.json, the report file and JUnit, then prints diffs and tables (or the JSON). Returns the
   * files it could not write, one line each (also printed on stderr), so the caller can fail the run.
   */
  finish(report: RunReport): string[];
  /** The journal directory of this run. */
  journalDir: string;
}

/** Everything a run shows or stores, subscribed to the engine's events in one call. */
export function attachOutputs(bus: EventBus, io: Io, opts: OutputOptions): Outputs {
  // With --json, stdout carries the report alone: progress moves to stderr, as plain lines.
  const progressIo: Io = opts.json ? { ...io, out: io.err, isTTY: false } : io;
  const progress = createProgress(progressIo, { intervalMs: opts.progressIntervalMs });
  const journal = openJournal(resolve(io.cwd, opts.runDir), opts.runId, {
    playbook: opts.playbook,
    check: opts.check,
    resumed_from: opts.resumedFrom,
    cwd: io.cwd,
  });
  const unsubscribe = [bus.subscribe(journal.listener), bus.subscribe(progress.listener)];
  let finished = false;

  return {
    journalDir: journal.dir,
    finish(report) {
      if (finished) return [];
      finished = true;
      unsubscribe.forEach((u) => u());
      progress.stop();
      const problems: string[] = [];
      const attempt = (what: string, path: string, write: () => void) => {
        try {
          write();
        } catch (err) {
          problems.push(`cannot write ${what}: ${describeFsError(err, path)}`);
        }
      };
      attempt('the run journal report', journal.dir, () => journal.writeReport(report));
      attempt('the run journal', journal.dir, () => journal.close());
      if (opts.reportFile) {
        attempt(`report file ${opts.reportFile}`, opts.reportFile, () =>
          writeReportFile(resolve(io.cwd, opts.reportFile!), report),
        );
      }
      if (opts.junitFile) {
        attempt(`JUnit file ${opts.junitFile}`, opts.junitFile, () =>
          writeJunitFile(resolve(io.cwd, opts.junitFile!), report),
        );
      }

      if (opts.json) {
        io.out(renderJson(report));
      } else {
        // A blank line parts the live progress from what follows.
        io.out('\n');
        const color = useColor(io);
        if (opts.diff) {
          const diffs = renderDiffs(report, { color, redactor: opts.redactor });
          if (diffs) io.out(`${diffs}\n`);
        }
        io.out(renderReport(report, { verbose: opts.verbose, color, ...(opts.exit ? { exit: opts.exit } : {}) }));
      }
      for (const p of problems) io.err(`runbook: ${p}\n`);
      return problems;
    },
  };
}
