import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { RunEvent } from '../engine/events.js';
import type { HostResult, HostStatus, RunReport } from '../engine/results.js';
import { RunCollector } from '../engine/collector.js';
import { renderJson, validateReport, writeFileAtomic } from './json.js';
import { JournalError, parseJournal } from './journal-line.js';
import { displayPath } from '../playbook/load.js';

/**
 * The run journal: `.runbook/runs/RUN_ID/` under the run directory, holding
 *   meta.json     what the run is (playbook, check, resumed_from, created), written when it opens;
 *   events.jsonl  one whole JSON line per host outcome (and run_start, breaker, halt, run_end), written to
 *                 the kernel as it happens so a killed run keeps every outcome already written;
 *   report.json   the full report, written at the end.
 * `--resume` and `runbook report` read it back.
 */

export interface RunMeta {
  run_id: string;
  playbook: string;
  /** The playbook resolved to an absolute path, so runs started from different directories still match. */
  playbook_path: string;
  check: boolean;
  resumed_from: string | null;
  /** When the journal was opened: orders runs, newest last. */
  created: string;
}

export interface Journal {
  listener(event: RunEvent): void;
  writeReport(report: RunReport): void;
  close(): void;
  dir: string;
}

/** Events worth keeping: enough to rebuild what a killed run achieved, small enough to write as they come. */
const JOURNALED = new Set<RunEvent['type']>(['run_start', 'host_end', 'breaker', 'halt', 'run_end']);

export function runsDir(runDir: string): string {
  return join(runDir, '.runbook', 'runs');
}

/** `20261126-184812-3f9a`: sorts by time, and the suffix keeps two runs of one second apart. */
export function newRunId(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

/** A run id names a directory: nothing that could climb out of the runs directory. */
function isRunId(runId: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId);
}

export function openJournal(
  runDir: string,
  runId: string,
  meta: { playbook: string; check: boolean; resumed_from: string | null; cwd?: string },
): Journal {
  if (!isRunId(runId)) throw new Error(`invalid run id "${runId}"`);
  const dir = join(runsDir(runDir), runId);
  // Journals hold device output and diffs: the folders are the user's alone, even ones an older version made.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const d of [join(runDir, '.runbook'), runsDir(runDir), dir]) chmodSync(d, 0o700);
  const stored: RunMeta = {
    run_id: runId,
    playbook: meta.playbook,
    playbook_path: resolve(meta.cwd ?? process.cwd(), meta.playbook),
    check: meta.check,
    resumed_from: meta.resumed_from,
    created: new Date().toISOString(),
  };
  writeFileAtomic(join(dir, 'meta.json'), `${JSON.stringify(stored, null, 2)}\n`);
  let fd: number | null = openSync(join(dir, 'events.jsonl'), 'a', 0o600);

  // After a failed write (a full disk) the journal stops: the line that failed may be torn, and a torn line
  // is only harmless as the last one.
  let failed = false;
  const append = (event: RunEvent) => {
    if (fd === null || failed) return;
    // One write of the whole line on an O_APPEND descriptor: every line written before a kill is whole. Only
    // the line in flight can be cut (a long write interrupted by SIGKILL), and readers drop a torn line.
    const line = Buffer.from(`${JSON.stringify(event)}\n`);
    let written = 0;
    try {
      while (written < line.length) written += writeSync(fd, line, written, line.length - written);
    } catch (err) {
      failed = true;
      throw err;
    }
    // No fsync per line: once writeSync returns, the line is the kernel's and survives the process being
    // killed, and a sync per host would block the event loop for milliseconds while other hosts wait on it.
    // close() syncs once, so a finished run is on disk even if the machine goes down right after.
  };

  return {
    dir,
    listener(event) {
      if (JOURNALED.has(event.type)) append(event);
    },
    writeReport(report) {
      writeFileAtomic(join(dir, 'report.json'), renderJson(report));
    },
    close() {
      if (fd === null) return;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        fd = null;
      }
    },
  };
}

/** `runbook report RUN_ID` for an id with no run, or any lookup when nothing was ever recorded. */
export class RunNotFoundError extends Error {
  constructor(
    message: string,
    readonly kind: 'no_runs' | 'unknown_run' | 'check_run',
  ) {
    super(message);
    this.name = 'RunNotFoundError';
  }
}

export interface StoredRun {
  runId: string;
  dir: string;
  meta: RunMeta;
  /** report.json, or null when the run never got to write it (killed). */
  report: RunReport | null;
  /** Each host's outcome as journaled; a host in several plays keeps its worst one. */
  hostsEnded: Map<string, HostResult>;
  /** The plays (by index in the playbook) each host ended ok or changed: what `--resume` need not run again. */
  finishedPlays: Map<string, Set<number>>;
  /** Every targeted host, from run_start (or the report); null when neither survived. */
  targets: string[] | null;
  /** A run_end line was written: the run finished, even if report.json is missing. */
  ended: boolean;
  /** What events.jsonl alone shows: the report of the hosts that ended, for a run killed before report.json. */
  journaled: RunReport;
}

const WORSE: HostStatus[] = ['ok', 'changed', 'skipped', 'unreachable', 'failed'];

const succeeded = (h: HostResult | undefined) => h !== undefined && (h.status === 'ok' || h.status === 'changed');

/**
 * The events of a journal file (none when it is missing). A torn tail is dropped; any other damage is a
 * JournalError naming the file and line.
 */
export function readEvents(path: string): RunEvent[] {
  if (!existsSync(path)) return [];
  return parseJournal(readFileSync(path, 'utf8'), displayPath(path));
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

interface RunEntry {
  runId: string;
  dir: string;
  meta: RunMeta;
}

/** Every stored run, oldest first. A run without meta.json (very old or damaged) is ordered by its directory's time. */
function listRuns(runDir: string): RunEntry[] {
  const root = runsDir(runDir);
  if (!existsSync(root)) return [];
  const entries: RunEntry[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (!isRunId(name) || !statSync(dir).isDirectory()) continue;
    const meta = readJson<RunMeta>(join(dir, 'meta.json')) ?? fallbackMeta(name, dir);
    entries.push({ runId: name, dir, meta });
  }
  return entries.sort((a, b) => a.meta.created.localeCompare(b.meta.created) || a.runId.localeCompare(b.runId));
}

function fallbackMeta(runId: string, dir: string): RunMeta {
  let start: RunEvent | undefined;
  try {
    start = readEvents(join(dir, 'events.jsonl')).find((e) => e.type === 'run_start');
  } catch (err) {
    // Listing runs must not fail on one damaged journal; reading that run names the bad line.
    if (!(err instanceof JournalError)) throw err;
  }
  const created = statSync(dir).mtime.toISOString();
  if (start?.type === 'run_start') {
    return {
      run_id: runId,
      playbook: start.playbook,
      playbook_path: resolve(start.playbook),
      check: start.check,
      resumed_from: start.resumed_from,
      created,
    };
  }
  return { run_id: runId, playbook: '', playbook_path: '', check: false, resumed_from: null, created };
}

function loadRun(entry: RunEntry): StoredRun {
  const events = readEvents(join(entry.dir, 'events.jsonl'));
  const stored = readJson<RunReport>(join(entry.dir, 'report.json'));
  // A report.json that is not a report is as good as missing: the journal still tells what happened.
  const report = stored !== null && validateReport(stored).length === 0 ? stored : null;
  // The journal is replayed through the same collector that built the live report, so a killed run's
  // report is assembled by the one piece of code that knows how.
  const collector = new RunCollector();
  const hostsEnded = new Map<string, HostResult>();
  const finishedPlays = new Map<string, Set<number>>();
  let targets: string[] | null = null;
  let ended = false;
  let lastAt: string | null = null;
  for (const e of events) {
    collector.handle(e);
    lastAt = e.at;
    if (e.type === 'run_start') targets = e.targets ? [...new Set(e.targets)] : null;
    if (e.type === 'run_end') ended = true;
    if (e.type === 'host_end') {
      const before = hostsEnded.get(e.result.name);
      if (!before || WORSE.indexOf(e.result.status) >= WORSE.indexOf(before.status))
        hostsEnded.set(e.result.name, e.result);
      // A line without its play (an older journal) proves no play finished: resuming runs too much, never too little.
      if (succeeded(e.result) && typeof e.play_index === 'number') {
        let plays = finishedPlays.get(e.result.name);
        if (!plays) finishedPlays.set(e.result.name, (plays = new Set()));
        plays.add(e.play_index);
      }
    }
  }
  if (targets === null && report) targets = [...new Set(report.hosts.map((h) => h.name))];
  return {
    runId: entry.runId,
    dir: entry.dir,
    meta: entry.meta,
    report,
    hostsEnded,
    finishedPlays,
    targets,
    ended,
    journaled: journaledReport(collector.report(), entry, lastAt),
  };
}

/** The collector's report of a journal, completed from meta.json where a killed run left no run_start or run_end. */
function journaledReport(collected: RunReport, entry: RunEntry, lastAt: string | null): RunReport {
  const started = collected.started || entry.meta.created;
  const finished =
    collected.finished && collected.finished !== collected.started ? collected.finished : (lastAt ?? started);
  return {
    ...collected,
    run_id: entry.runId,
    playbook: collected.playbook || entry.meta.playbook,
    check: collected.check || entry.meta.check,
    started,
    finished,
    duration_ms: Math.max(0, Date.parse(finished) - Date.parse(started)) || 0,
    resumed_from: collected.resumed_from ?? entry.meta.resumed_from,
  };
}

function runNames(entries: RunEntry[]): string {
  const names = entries.map((e) => e.runId).reverse();
  return names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
}

/** The `count` latest stored runs, newest first, read in full (`runbook runs`), and how many exist in all. */
export function recentRuns(runDir: string, count: number): { runs: StoredRun[]; total: number } {
  const entries = listRuns(runDir);
  return { runs: entries.slice(-count).reverse().map(loadRun), total: entries.length };
}

/** A path as the file system knows it, so two spellings (or a link) of one playbook match. */
export function canonicalPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * A stored run: `runId`, or else the latest one (of `opts.playbook` when given: the same file, whatever
 * directory it was named from, so `A/site.yml` and `B/site.yml` are different playbooks). With `resumable`,
 * check runs are never picked: they changed nothing, so nothing can be resumed from them.
 */
export function readRun(
  runDir: string,
  runId?: string,
  opts: { playbook?: string; cwd?: string; resumable?: boolean } = {},
): StoredRun {
  const entries = listRuns(runDir);
  const where = runsDir(runDir);
  if (entries.length === 0) throw new RunNotFoundError(`no runs recorded under ${where}`, 'no_runs');
  if (runId !== undefined) {
    const entry = entries.find((e) => e.runId === runId);
    if (!entry)
      throw new RunNotFoundError(`no run "${runId}" under ${where} (latest: ${runNames(entries)})`, 'unknown_run');
    if (opts.resumable && entry.meta.check) {
      throw new RunNotFoundError(
        `run ${runId} was a --check run: it changed nothing, so there is nothing to resume`,
        'check_run',
      );
    }
    return loadRun(entry);
  }
  let candidates = entries;
  if (opts.playbook !== undefined) {
    const wanted = canonicalPath(resolve(opts.cwd ?? process.cwd(), opts.playbook));
    candidates = entries.filter((e) => e.meta.playbook_path !== '' && canonicalPath(e.meta.playbook_path) === wanted);
    if (candidates.length === 0)
      throw new RunNotFoundError(`no run of ${opts.playbook} recorded under ${where}`, 'no_runs');
  }
  if (opts.resumable) {
    candidates = candidates.filter((e) => !e.meta.check);
    if (candidates.length === 0) {
      const of = opts.playbook === undefined ? '' : ` of ${opts.playbook}`;
      throw new RunNotFoundError(
        `no run${of} to resume under ${where}: only --check runs, which change nothing`,
        'no_runs',
      );
    }
  }
  return loadRun(candidates[candidates.length - 1]!);
}

/** The report of a stored run: report.json when it was written, else what events.jsonl shows (hosts that ended). */
export function storedReport(run: StoredRun): RunReport {
  return run.report ?? run.journaled;
}

/** Targeted hosts with no outcome in the journal: a killed run never reached them. */
export function hostsNeverEnded(run: StoredRun): string[] {
  if (run.report) return [];
  return (run.targets ?? []).filter((h) => !run.hostsEnded.has(h));
}

/**
 * What `--resume` re-runs. `hosts`: every targeted host that did not end ok/changed, including the hosts a
 * killed run never reached. `finishedPlays`: per host, the plays it already ended ok/changed, so a host that
 * finished play 1 before the kill still runs play 2 (it resumes from the first play it did not finish).
 * Default: the latest run of `playbookPath` that was not a check run.
 */
export function hostsToResume(
  runDir: string,
  playbookPath: string,
  runId?: string,
  opts: { cwd?: string } = {},
): { runId: string; hosts: string[]; targeted: string[]; finishedPlays: Map<string, Set<number>>; meta: RunMeta } {
  const run = readRun(runDir, runId, { playbook: playbookPath, cwd: opts.cwd, resumable: true });
  const outcome = new Map<string, HostResult>(run.hostsEnded);
  if (run.report) {
    outcome.clear();
    for (const h of run.report.hosts) {
      const before = outcome.get(h.name);
      if (!before || WORSE.indexOf(h.status) >= WORSE.indexOf(before.status)) outcome.set(h.name, h);
    }
  }
  const targeted = run.targets ?? [...outcome.keys()];
  const hosts = targeted.filter((h) => !succeeded(outcome.get(h)));
  return { runId: run.runId, targeted, hosts, finishedPlays: run.finishedPlays, meta: run.meta };
}
