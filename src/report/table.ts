import Table from 'cli-table3';
import { networkTable } from './network-table.js';
import {
  neverAttempted,
  type BreakerTimeline,
  type HostResult,
  type HostStatus,
  type RunReport,
  type TaskResult,
} from '../engine/results.js';
import { renderReasons } from './reasons.js';
import { terminalSafe } from './terminal.js';

export interface RenderOptions {
  /** Show every host, even on a large fleet. */
  verbose?: boolean;
  /** ANSI colour; the caller decides with useColor(io). */
  color?: boolean;
  /** Terminal width: long reason and changed-task cells are cut to fit. */
  width?: number;
  /** The run's exit code and its meaning, shown at the end of the recap (codes are the command line's to decide). */
  exit?: ExitOf;
}

export type ExitOf = (report: RunReport) => { code: number; meaning: string };

/** Above this many hosts the per-host table lists only the hosts that need attention, unless verbose. */
export const LARGE_FLEET = 20;

/** Failures first: what an operator has to act on is at the top of the table. */
const STATUS_ORDER: HostStatus[] = ['failed', 'unreachable', 'skipped', 'changed', 'ok'];

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
export type Paint = keyof typeof ANSI;

export function paint(color: boolean, style: Paint, text: string): string {
  return color ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text;
}

const STATUS_PAINT: Record<HostStatus, Paint> = {
  ok: 'green',
  changed: 'yellow',
  failed: 'red',
  unreachable: 'magenta',
  skipped: 'cyan',
};

/** Under --check nothing changed: a host that ended `changed` is one that would change. */
export function statusLabel(status: HostStatus, check = false): string {
  return check && status === 'changed' ? 'would change' : status;
}

export function paintStatus(color: boolean, status: HostStatus, check = false): string {
  return paint(color, STATUS_PAINT[status], statusLabel(status, check));
}

/** `412ms`, `5.2s`, `3m07s`: short enough for a table cell, precise enough to compare hosts. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `+2.1s` from the run start: a timeline reads better relative to the run than as wall-clock times. */
export function formatOffset(at: string, started: string): string {
  const ms = Math.max(0, Date.parse(at) - Date.parse(started));
  return `+${(ms / 1000).toFixed(1)}s`;
}

function truncate(text: string, max: number): string {
  if (max <= 1 || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** Why the host did not end well: the reason, and the first line of the error when there is one. */
export function hostReason(h: HostResult): string {
  if (!h.reason) return '';
  const error = h.error ? firstLine(h.error) : '';
  return error ? `${h.reason}: ${error}` : h.reason;
}

function plainTable(head: string[], color: boolean): Table.Table {
  return new Table({
    head: head.map((h) => paint(color, 'bold', h)),
    // cli-table3 colours headers and borders by default; colour is ours to decide.
    style: { head: [], border: [], compact: true },
  });
}

function sortHosts(hosts: HostResult[]): HostResult[] {
  // Array.prototype.sort is stable, so hosts of one status stay in run order.
  return [...hosts].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
}

function hostTable(report: RunReport, opts: RenderOptions): string {
  const color = opts.color ?? false;
  const plays = new Set(report.hosts.map((h) => h.play));
  const large = report.hosts.length > LARGE_FLEET && !opts.verbose;
  const shown = sortHosts(report.hosts).filter((h) => !large || (h.status !== 'ok' && h.status !== 'changed'));
  const hidden = report.hosts.length - shown.length;
  // Fixed columns take about 50 characters; the free text columns share what is left.
  const textWidth = opts.width ? Math.max(16, Math.floor((opts.width - 50) / 2)) : 60;

  const lines: string[] = [];
  if (shown.length > 0) {
    // Under --check the task columns say what a real run would do: templates it would upload, commands it would run.
    const taskHeads = report.check ? ['would change', 'would run'] : ['changed tasks'];
    const head = ['host', ...(plays.size > 1 ? ['play'] : []), 'batch', 'status', 'reason', ...taskHeads, 'duration'];
    const table = plainTable(head, color);
    for (const h of shown) {
      const names = (pick: (t: TaskResult) => boolean) =>
        truncate(
          terminalSafe(
            h.tasks
              .filter(pick)
              .map((t) => t.name)
              .join(', '),
          ),
          textWidth,
        );
      const taskCells = report.check
        ? [names((t) => t.changed), names((t) => t.would_run === true)]
        : [names((t) => t.changed)];
      table.push([
        h.jump === undefined
          ? terminalSafe(h.name)
          : `${terminalSafe(h.name)}\n${paint(color, 'dim', `via ${h.jump}`)}`,
        ...(plays.size > 1 ? [truncate(terminalSafe(h.play), textWidth)] : []),
        { content: h.batch, hAlign: 'right' },
        paintStatus(color, h.status, report.check),
        truncate(terminalSafe(hostReason(h)), textWidth),
        ...taskCells,
        { content: h.started === null ? '-' : formatDuration(h.duration_ms), hAlign: 'right' },
      ]);
    }
    lines.push(table.toString());
  }
  if (hidden > 0) {
    const outcome = `ok or ${statusLabel('changed', report.check)}`;
    lines.push(`${hidden} host${hidden === 1 ? '' : 's'} that ended ${outcome} not shown (--verbose shows every host)`);
  }
  return lines.join('\n');
}

interface BatchRow {
  play: string;
  batch: number;
  counts: Record<HostStatus, number>;
  hosts: number;
}

function batchRows(report: RunReport): BatchRow[] {
  const rows = new Map<string, BatchRow>();
  for (const h of report.hosts) {
    const key = `${h.play}\u0000${h.batch}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        play: h.play,
        batch: h.batch,
        hosts: 0,
        counts: { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 },
      };
      rows.set(key, row);
    }
    row.hosts += 1;
    row.counts[h.status] += 1;
  }
  const playOrder = [...new Set(report.hosts.map((h) => h.play))];
  return [...rows.values()].sort((a, b) => playOrder.indexOf(a.play) - playOrder.indexOf(b.play) || a.batch - b.batch);
}

function batchTable(report: RunReport, opts: RenderOptions): string {
  const color = opts.color ?? false;
  const table = plainTable(
    ['play', 'batch', 'hosts', 'ok', statusLabel('changed', report.check), 'failed', 'unreachable', 'skipped'],
    color,
  );
  const count = (n: number, status: HostStatus) => ({
    content: n === 0 ? '0' : paint(color, STATUS_PAINT[status], String(n)),
    hAlign: 'right' as const,
  });
  for (const r of batchRows(report)) {
    table.push([
      truncate(terminalSafe(r.play), opts.width ? Math.max(16, opts.width - 70) : 60),
      { content: r.batch, hAlign: 'right' },
      { content: r.hosts, hAlign: 'right' },
      count(r.counts.ok, 'ok'),
      count(r.counts.changed, 'changed'),
      count(r.counts.failed, 'failed'),
      count(r.counts.unreachable, 'unreachable'),
      count(r.counts.skipped, 'skipped'),
    ]);
  }
  return table.toString();
}

export function formatTransition(from: string, to: string): string {
  return `${from}→${to}`;
}

/** Only the scopes whose breaker moved: a fleet of a hundred quiet sites would bury the one that opened. */
function breakerTable(report: RunReport, opts: RenderOptions): string | null {
  const color = opts.color ?? false;
  const moved = report.breakers.filter((b: BreakerTimeline) => b.transitions.length > 0);
  if (moved.length === 0) return null;
  const table = plainTable(['breaker', 'state', 'transitions'], color);
  for (const b of moved) {
    const timeline = b.transitions
      .map((t) => `${formatOffset(t.at, report.started)} ${formatTransition(t.from, t.to)}`)
      .join('\n');
    table.push([terminalSafe(b.scope), paint(color, b.state === 'closed' ? 'green' : 'red', b.state), timeline]);
  }
  return table.toString();
}

/** The jump hosts of the run: how many devices each carried and what it cost to log in to it. */
function jumpTable(report: RunReport, opts: RenderOptions): string | null {
  const jumps = report.jumps ?? [];
  if (jumps.length === 0) return null;
  const color = opts.color ?? false;
  const table = plainTable(['jump host', 'devices', 'logins', 'failures', 'state', 'breaker'], color);
  for (const j of jumps) {
    const timeline = j.transitions
      .map((t) => `${formatOffset(t.at, report.started)} ${formatTransition(t.from, t.to)}`)
      .join('\n');
    table.push([
      j.host,
      { content: j.devices, hAlign: 'right' },
      { content: j.logins, hAlign: 'right' },
      { content: j.failures === 0 ? '0' : paint(color, 'red', String(j.failures)), hAlign: 'right' },
      paint(color, j.state === 'closed' ? 'green' : 'red', j.state),
      timeline,
    ]);
  }
  return table.toString();
}

/** `12 hosts: 4 ok, 2 changed, 1 failed, 2 unreachable, 3 skipped in 5.2s — halted: max_failures in batch 2` */
export function renderRecap(report: RunReport, opts: { color?: boolean; exit?: ExitOf } = {}): string {
  const color = opts.color ?? false;
  const s = report.summary;
  const total = s.ok + s.changed + s.failed + s.unreachable + s.skipped;
  const parts = (['ok', 'changed', 'failed', 'unreachable', 'skipped'] as const).map((k) =>
    s[k] > 0 && k !== 'ok' && k !== 'changed'
      ? paint(color, STATUS_PAINT[k], `${s[k]} ${k}`)
      : `${s[k]} ${statusLabel(k, report.check)}`,
  );
  let line = `${total} host${total === 1 ? '' : 's'}: ${parts.join(', ')} in ${formatDuration(report.duration_ms)}`;
  if (report.halted) {
    // A budget exceeded by the run's last hosts halted nothing: say so rather than imply hosts were left out.
    const halted = `halted: ${report.halted.reason} in batch ${report.halted.batch}`;
    const leftOut = report.hosts.some(neverAttempted) || report.halted.reason === 'interrupted';
    line += ` — ${paint(color, 'red', leftOut ? halted : `${halted}, with no host left to run`)}`;
  }
  if (report.check) line += ' (check mode: nothing was changed)';
  if (opts.exit) {
    const { code, meaning } = opts.exit(report);
    line += ` — exit ${code}: ${meaning}`;
  }
  return line;
}

/** What `apply` prints at the end and `runbook report` prints again: hosts, batches, breakers, recap. */
export function renderReport(report: RunReport, opts: RenderOptions = {}): string {
  const header = [`run ${report.run_id} of ${report.playbook}${report.check ? ' (check)' : ''}`];
  if (report.resumed_from) header.push(`resumed from run ${report.resumed_from}`);
  const reasons = renderReasons(report.hosts);
  const safeReasons = reasons === null ? null : terminalSafe(reasons);
  const sections = [
    header.join('\n'),
    hostTable(report, opts),
    ...(safeReasons ? [safeReasons] : []),
    batchTable(report, opts),
  ];
  const network = networkTable(report, opts);
  if (network) sections.push(network);
  const breakers = breakerTable(report, opts);
  if (breakers) sections.push(breakers);
  const jumps = jumpTable(report, opts);
  if (jumps) sections.push(jumps);
  sections.push(renderRecap(report, opts));
  return `${sections.filter((s) => s.length > 0).join('\n\n')}\n`;
}
