import { parseDuration } from '../playbook/duration.js';
import { globMatch, isGlob } from '../playbook/glob.js';

/**
 * Fault specs (`TARGET:KIND[:ARG]`) and the table that decides which faults a device is under right now.
 * The table is consulted on every connection and command, so setting or clearing a fault takes effect at
 * once without restarting anything.
 */

export const FAULT_KINDS = [
  'hang',
  'refuse',
  'auth',
  'slow',
  'fail',
  'drop',
  'stall',
  'flaky',
  'slowcmd',
  'deny',
  'cut',
  'banner',
  'more',
] as const;

export type FaultSpec =
  | { target: string; kind: 'hang' | 'refuse' | 'auth' | 'fail' | 'drop' | 'stall' }
  | { target: string; kind: 'slow'; delayMs: number }
  | { target: string; kind: 'flaky'; probability: number }
  // Network CLI faults: a per-line delay, lines refused by authorization, a session cut after N config
  // lines, a login banner, and a pager that ignores `terminal length 0`.
  | { target: string; kind: 'slowcmd'; delayMs: number }
  | { target: string; kind: 'deny'; pattern: string }
  | { target: string; kind: 'cut'; lines: number }
  | { target: string; kind: 'banner' | 'more' };

const TARGET = /^[A-Za-z0-9_.\-*?]+$/;

/** Parses one spec as written on the command line; throws an Error whose message is one line. */
export function parseFaultSpec(spec: string): FaultSpec {
  const bad = (why: string) => new Error(`bad fault "${spec}": ${why}`);
  const parts = spec.split(':');
  if (parts.length < 2) throw bad('expected TARGET:KIND[:ARG], e.g. r047:fail, site2:hang, r0*:slow:2s');
  const [target = '', kind = '', ...rest] = parts;
  const arg = rest.length > 0 ? rest.join(':') : undefined;
  if (!TARGET.test(target)) throw bad('the target must be a host, a site or a glob such as r0*');
  if (!(FAULT_KINDS as readonly string[]).includes(kind))
    throw bad(`unknown kind "${kind}" (kinds: ${FAULT_KINDS.join(', ')})`);
  switch (kind) {
    case 'slow': {
      if (arg === undefined) throw bad('slow needs a duration, e.g. slow:2s');
      const delayMs = parseDuration(arg);
      if (delayMs === null) throw bad(`"${arg}" is not a duration (500ms, 2s, 1m)`);
      return { target, kind, delayMs };
    }
    case 'slowcmd': {
      const delayMs = arg === undefined ? null : parseDuration(arg);
      if (delayMs === null) throw bad('slowcmd needs a duration, e.g. slowcmd:500ms');
      return { target, kind, delayMs };
    }
    case 'deny': {
      if (arg === undefined || arg === '') throw bad('deny needs a pattern, e.g. deny:^ntp');
      try {
        new RegExp(arg);
      } catch {
        throw bad(`"${arg}" is not a regular expression`);
      }
      return { target, kind, pattern: arg };
    }
    case 'cut': {
      if (arg === undefined || !/^\d+$/.test(arg)) throw bad('cut needs a number of config lines, e.g. cut:3');
      return { target, kind, lines: Number(arg) };
    }
    case 'banner':
    case 'more':
      if (arg !== undefined) throw bad(`${kind} takes no argument`);
      return { target, kind };
    case 'flaky': {
      if (arg === undefined) throw bad('flaky needs a probability, e.g. flaky:0.1');
      const probability = Number(arg);
      if (arg.trim() === '' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
        throw bad(`"${arg}" is not a probability between 0 and 1`);
      }
      return { target, kind, probability };
    }
    default:
      if (arg !== undefined) throw bad(`${kind} takes no argument`);
      return { target, kind: kind as 'hang' | 'refuse' | 'auth' | 'fail' | 'drop' | 'stall' };
  }
}

export function formatFaultSpec(f: FaultSpec): string {
  if (f.kind === 'slow') return `${f.target}:slow:${f.delayMs}ms`;
  if (f.kind === 'flaky') return `${f.target}:flaky:${f.probability}`;
  if (f.kind === 'slowcmd') return `${f.target}:slowcmd:${f.delayMs}ms`;
  if (f.kind === 'deny') return `${f.target}:deny:${f.pattern}`;
  if (f.kind === 'cut') return `${f.target}:cut:${f.lines}`;
  return `${f.target}:${f.kind}`;
}

/** A target names a host, a site, or is a glob over either. */
export function targetMatches(target: string, host: string, site: string): boolean {
  if (target === host || target === site) return true;
  return isGlob(target) && (globMatch(target, host) || globMatch(target, site));
}

/** What a device is under, resolved from every matching spec. */
export interface ActiveFaults {
  refuse: boolean;
  hang: boolean;
  auth: boolean;
  fail: boolean;
  drop: boolean;
  stall: boolean;
  /** Sum of every matching slow spec. */
  slowMs: number;
  /** Highest matching flaky probability, 0 when none. */
  flaky: number;
  /** Added to every line a network CLI shell handles. */
  slowCmdMs: number;
  /** CLI lines matching any of these fail authorization. */
  deny: RegExp[];
  /** The CLI session is dropped once this many config lines were entered; null when not cut. */
  cutAfter: number | null;
  banner: boolean;
  more: boolean;
}

export class FaultTable {
  private specs: FaultSpec[] = [];

  /** Adds a spec; one already set for the same target and kind is replaced, so re-setting adjusts it. */
  set(spec: FaultSpec): void {
    this.specs = this.specs.filter((s) => !(s.target === spec.target && s.kind === spec.kind));
    this.specs.push(spec);
  }

  /** Clears by target (`r047`), by target and kind (`r047:fail`), or everything when omitted. */
  clear(selector?: string): void {
    if (selector === undefined) {
      this.specs = [];
      return;
    }
    const [target, kind] = selector.split(':');
    this.specs = this.specs.filter((s) => !(s.target === target && (kind === undefined || s.kind === kind)));
  }

  list(): FaultSpec[] {
    return [...this.specs];
  }

  resolve(host: string, site: string): ActiveFaults {
    const active: ActiveFaults = {
      refuse: false,
      hang: false,
      auth: false,
      fail: false,
      drop: false,
      stall: false,
      slowMs: 0,
      flaky: 0,
      slowCmdMs: 0,
      deny: [],
      cutAfter: null,
      banner: false,
      more: false,
    };
    for (const s of this.specs) {
      if (!targetMatches(s.target, host, site)) continue;
      if (s.kind === 'slow') active.slowMs += s.delayMs;
      else if (s.kind === 'flaky') active.flaky = Math.max(active.flaky, s.probability);
      else if (s.kind === 'slowcmd') active.slowCmdMs += s.delayMs;
      else if (s.kind === 'deny') active.deny.push(new RegExp(s.pattern));
      else if (s.kind === 'cut') active.cutAfter = Math.min(active.cutAfter ?? s.lines, s.lines);
      else active[s.kind] = true;
    }
    return active;
  }
}

/** mulberry32: tiny, fast and good enough to make flaky failures reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each device gets its own stream, so the pattern on one host does not depend on traffic to others. */
export function deviceSeed(seed: number, hostIndex: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(hostIndex + 1, 0x85ebca77)) >>> 0;
}
