import type { RunEvent } from '../engine/events.js';

/**
 * What one line of `events.jsonl` may hold. A journal is read back by `runbook report` and `--resume`, and a
 * line that is not a whole, well-formed event (a damaged disk, a hand edit) must be named, not crash them.
 */

/** A journal line that cannot be used: `file:line` say which. */
export class JournalError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'JournalError';
  }
}

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isBoolean: Check = (v) => typeof v === 'boolean';
const orNull =
  (c: Check): Check =>
  (v) =>
    v === null || c(v);
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const listOf =
  (c: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(c);
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first field of `v` that fails its check, or null when all pass. */
function badField(v: Record<string, unknown>, fields: Record<string, Check>): string | null {
  for (const [name, check] of Object.entries(fields)) if (!check(v[name])) return name;
  return null;
}

const STATE = oneOf('closed', 'open', 'half-open');
const HALTED: Check = (v) => isObject(v) && badField(v, { reason: isString, batch: isNumber }) === null;
const TASK_FIELDS: Record<string, Check> = {
  name: isString,
  status: oneOf('ok', 'changed', 'failed', 'skipped'),
  changed: isBoolean,
};
const TASK: Check = (v) => isObject(v) && badField(v, TASK_FIELDS) === null;
const HOST_RESULT: Record<string, Check> = {
  name: isString,
  play: isString,
  batch: isNumber,
  status: oneOf('ok', 'changed', 'failed', 'unreachable', 'skipped'),
  reason: orNull(isString),
  started: orNull(isString),
  duration_ms: isNumber,
  tasks: listOf(TASK),
  error: optional(orNull(isString)),
};

const FIELDS: Partial<Record<RunEvent['type'], Record<string, Check>>> = {
  run_start: {
    at: isString,
    playbook: isString,
    check: isBoolean,
    resumed_from: orNull(isString),
    targets: optional(listOf(isString)),
    play_targets: optional(listOf(isNumber)),
  },
  host_end: { at: isString, result: isObject, play_index: optional(isNumber) },
  breaker: { at: isString, play: isString, scope: isString, from: STATE, to: STATE },
  halt: { at: isString, play: isString, halted: HALTED },
  run_end: { at: isString, halted: orNull(HALTED) },
};

/** Why `value` is not a journaled event, or null when it is one. */
export function journalLineProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object';
  const type = value.type;
  const fields = typeof type === 'string' ? FIELDS[type as RunEvent['type']] : undefined;
  if (!fields) return typeof type === 'string' ? `unknown event type "${type}"` : 'no event type';
  const bad = badField(value, fields);
  if (bad) return `${type} event with a missing or wrong "${bad}"`;
  if (type === 'host_end') {
    const wrong = badField(value.result as Record<string, unknown>, HOST_RESULT);
    if (wrong) return `host_end event whose result has a missing or wrong "${wrong}"`;
  }
  return null;
}

/**
 * The events of a journal's text. Only a tail of lines that are not JSON is forgiven: that is what a run
 * killed mid-write, or a machine that lost power, leaves behind. Anything else that is not an event is a
 * JournalError naming its line.
 */
export function parseJournal(text: string, file: string): RunEvent[] {
  const lines = text.split('\n');
  const events: RunEvent[] = [];
  let unreadable: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadable ??= i + 1;
      continue;
    }
    if (unreadable !== null) throw new JournalError('not a whole JSON line, and events follow it', file, unreadable);
    const problem = journalLineProblem(value);
    if (problem) throw new JournalError(`malformed journal line: ${problem}`, file, i + 1);
    events.push(value as RunEvent);
  }
  return events;
}
