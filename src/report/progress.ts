import { useColor, type Io } from './io.js';
import type { RunEvent } from '../engine/events.js';
import type { HostResult } from '../engine/results.js';
import { formatDuration, hostReason, paint, paintStatus, statusLabel } from './table.js';
import { fullReason, reasonShape, stderrTail } from './reasons.js';
import { terminalSafe } from './terminal.js';

export interface ProgressOptions {
  /** Overrides useColor(io); colour is still never used off a TTY. */
  color?: boolean;
  /** Minimum time between two redraws of the status area. */
  intervalMs?: number;
  /** Terminal width: status lines longer than this would wrap and break the redraw. */
  width?: number;
  now?: () => number;
}

export interface Progress {
  listener: (event: RunEvent) => void;
  /** Stops redrawing and clears the status area, leaving the terminal for the final tables. */
  stop(): void;
}

const CLEAR_LINE_ABOVE = '\x1b[1A\x1b[2K';

/** What the status area shows, kept as counts so a redraw is cheap. */
class RunState {
  total = 0;
  done = 0;
  failed = 0;
  unreachable = 0;
  skipped = 0;
  batch = 0;
  batches = 0;
  play = '';
  readonly firstWithReason = new Map<string, string>();
  nameWidth = 0;
  halted: string | null = null;
  check = false;
  /** Planned hosts per play, in play order, and how many plays have started. */
  private playTargets: number[] = [];
  private plays = 0;
  readonly openBreakers = new Map<string, string>();

  apply(e: RunEvent): void {
    switch (e.type) {
      case 'run_start':
        this.total = e.hosts;
        this.check = e.check;
        this.nameWidth = Math.max(0, ...(e.targets ?? []).map((t) => t.length));
        this.playTargets = e.play_targets ?? [];
        this.plays = 0;
        break;
      case 'play_start': {
        // Hosts dropped after failing an earlier play never end in this one: without this the counter
        // would finish short of its total.
        const planned = this.playTargets[this.plays];
        this.plays += 1;
        if (planned !== undefined) this.total -= Math.max(0, planned - e.hosts.length);
        break;
      }
      case 'batch_start':
        this.batch = e.batch;
        this.batches = e.batches;
        this.play = e.play;
        break;
      case 'host_end':
        this.done += 1;
        if (e.result.status === 'failed') this.failed += 1;
        if (e.result.status === 'unreachable') this.unreachable += 1;
        if (e.result.status === 'skipped') this.skipped += 1;
        break;
      case 'breaker':
        if (e.to === 'closed') this.openBreakers.delete(e.scope);
        else this.openBreakers.set(e.scope, e.to);
        break;
      case 'halt':
        this.halted = `${e.halted.reason} in batch ${e.halted.batch}`;
        break;
      default:
        break;
    }
  }
}

/** Whole seconds: an idle area then changes, and is redrawn, once a second. */
function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

interface LineState {
  done: number;
  total: number;
  nameWidth: number;
  check?: boolean;
  /** The first host seen with each reason shape: later hosts with the same reason point at it. */
  firstWithReason?: Map<string, string>;
}

/**
 * `[ 12/100] fra-r1  unreachable  timeout: connect to … timed out after 10.0s (10.0s)`. The first host with a
 * reason gets it whole, with the end of its command's stderr on the lines below; later hosts with the same
 * reason name that host instead of repeating it.
 */
export function hostLine(state: LineState, h: HostResult, color = false): string {
  const width = String(Math.max(state.total, state.done)).length;
  const counter = `[${String(state.done).padStart(width)}/${state.total}]`;
  const grouped = h.status === 'failed' || h.status === 'unreachable';
  const shape = grouped ? reasonShape(h) : '';
  const first = grouped ? state.firstWithReason?.get(shape) : undefined;
  if (grouped && first === undefined) state.firstWithReason?.set(shape, h.name);
  const shortReason =
    first !== undefined
      ? `${h.reason} (as ${first})`
      : grouped
        ? terminalSafe(fullReason(h))
        : terminalSafe(hostReason(h));
  const stderr =
    grouped && first === undefined
      ? stderrTail(h)
          .map((l) => `\n    stderr | ${terminalSafe(l)}`)
          .join('')
      : '';
  const label = statusLabel(h.status, state.check);
  // Padded to the longest label the run can print, so reasons line up under one another.
  const status =
    paintStatus(color, h.status, state.check) + ' '.repeat(Math.max(0, (state.check ? 12 : 11) - label.length));
  const duration = h.started === null ? '' : `(${formatDuration(h.duration_ms)})`;
  const tail = [shortReason, duration].filter((s) => s.length > 0).join(' ');
  return `${`${counter} ${terminalSafe(h.name).padEnd(state.nameWidth)}  ${status}  ${tail}`.trimEnd()}${stderr}`;
}

export function breakerLine(scope: string, from: string, to: string): string {
  return `breaker ${terminalSafe(scope)}: ${from} → ${to}`;
}

export function haltLine(reason: string, batch: number): string {
  return `halted: ${reason} in batch ${batch}`;
}

function eventLine(state: RunState, e: RunEvent, color: boolean): string | null {
  if (e.type === 'host_end') return hostLine(state, e.result, color);
  if (e.type === 'breaker')
    return paint(color, e.to === 'closed' ? 'green' : 'red', breakerLine(e.scope, e.from, e.to));
  if (e.type === 'halt') return paint(color, 'red', haltLine(e.halted.reason, e.halted.batch));
  return null;
}

/**
 * Live progress. Off a TTY (CI logs, pipes): one plain line per host outcome, breaker transition and halt.
 * On a TTY: a status area redrawn in place at most every `intervalMs`, with the lines that need attention
 * (failures, breakers, halts) printed above it so they stay on screen after the run.
 */
export function createProgress(io: Io, opts: ProgressOptions = {}): Progress {
  const state = new RunState();
  if (!io.isTTY) {
    return {
      listener(e) {
        state.apply(e);
        const line = eventLine(state, e, false);
        if (line !== null) io.out(`${line}\n`);
      },
      stop() {},
    };
  }

  const color = (opts.color ?? true) && useColor(io);
  const now = opts.now ?? Date.now;
  const width = Math.max(20, opts.width ?? 100);
  let startedAt = now();
  let drawn = 0;
  let dirty = true;
  let lastText = '';
  let stopped = false;
  // Nothing is known before the first event; an empty area would only flicker.
  let seen = false;

  const fit = (line: string) => (line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line);
  const areaLines = (): string[] => {
    const count = (n: number, label: string, style: 'red' | 'magenta' | 'cyan') =>
      n > 0 ? paint(color, style, `${label} ${n}`) : `${label} 0`;
    const batch = state.batches > 0 ? `batch ${state.batch}/${state.batches}` : 'starting';
    const elapsed = formatElapsed(Math.max(0, now() - startedAt));
    const lines = [
      [
        batch,
        `hosts ${state.done}/${state.total}`,
        count(state.failed, 'failed', 'red'),
        count(state.unreachable, 'unreachable', 'magenta'),
        count(state.skipped, 'skipped', 'cyan'),
        elapsed,
      ].join('  '),
    ];
    if (state.openBreakers.size > 0) {
      const open = [...state.openBreakers].map(([scope, s]) => (s === 'open' ? scope : `${scope} (${s})`)).join(', ');
      lines.push(paint(color, 'red', fit(`open breakers: ${open}`)));
    }
    if (state.halted) lines.push(paint(color, 'red', fit(`halting: ${state.halted}; in-flight hosts are finishing`)));
    return lines;
  };
  const erase = () => CLEAR_LINE_ABOVE.repeat(drawn);
  const redraw = (above = '') => {
    const lines = areaLines();
    const text = lines.join('\n');
    if (!above && text === lastText && !dirty) return;
    io.out(`${erase()}${above}${text}\n`);
    drawn = lines.length;
    lastText = text;
    dirty = false;
  };

  const timer = setInterval(() => {
    if (!stopped && seen) redraw();
  }, opts.intervalMs ?? 100);
  // The status area must never keep a finished run's process alive.
  timer.unref();

  return {
    listener(e) {
      if (stopped) return;
      if (e.type === 'run_start') startedAt = now();
      state.apply(e);
      seen = true;
      dirty = true;
      const line =
        e.type === 'host_end' && (e.result.status === 'ok' || e.result.status === 'changed')
          ? null
          : eventLine(state, e, color);
      // Lines that need attention go out at once, above the area; counts wait for the next tick.
      if (line !== null) redraw(`${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (drawn > 0) io.out(erase());
      drawn = 0;
    },
  };
}
