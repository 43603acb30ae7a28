import { actionOf } from '../actions/registry.js';
import { terminalSafe } from './terminal.js';
import { DEFAULT_TASK_TIMEOUT_MS } from '../engine/context.js';
import type { Plan, PlannedHost, PlannedPlay, PlannedTask } from '../engine/plan-model.js';
import { escapeRegExp, redactVars, type Redactor } from '../playbook/redact.js';
import { structureOf, type PlaySpec, type SerialEntry, type TaskSpec } from '../playbook/types.js';

/**
 * What `runbook plan` shows: per play, the settings that guard the rollout (forks, timeouts, batches, the
 * failure budget, the breaker) and each host's tasks rendered, with everything that decides when and how
 * often a task runs. A reviewer reads the text; tools read the JSON, which carries the same facts.
 */

export interface JsonTask {
  name: string;
  action: string;
  /** The action's own fields (`command`, `template`, …), as its module describes them. */
  [field: string]: unknown;
  when?: string[];
  failed_when?: string[];
  changed_when?: string[];
  register?: string;
  /** Longest time one attempt may take (the default when the task sets none). */
  timeout_ms: number;
  retries: number;
  retry_delay_ms: number;
  ignore_errors: boolean;
  check_mode: TaskSpec['checkMode'];
  /** `when`: the task's `when` is false for this host before anything runs; nothing is rendered. */
  skipped?: 'when';
}

export interface JsonPlaySettings {
  forks: number;
  connect_rate: number | null;
  connect_timeout_ms: number;
  serial: (number | string)[] | null;
  max_fail_percentage: number | null;
  max_failures: number | null;
  breaker: {
    scope: string;
    failure_threshold: number;
    success_threshold: number;
    cooldown_ms: number;
    on_open: 'skip' | 'wait';
  } | null;
}

function jsonTask(t: PlannedTask, redactor: Redactor): JsonTask {
  const s = t.spec;
  const out: JsonTask = {
    name: s.name,
    action: s.action.kind,
    timeout_ms: s.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    retries: s.retries,
    retry_delay_ms: s.retryDelayMs,
    ignore_errors: s.ignoreErrors,
    check_mode: s.checkMode,
    ...(skippedByWhen(t) ? {} : actionOf(s.action.kind).json(s.action, t.preview, (text) => redactor.text(text))),
  };
  if (s.when?.length) out.when = s.when;
  if (s.failedWhen?.length) out.failed_when = s.failedWhen;
  if (s.changedWhen?.length) out.changed_when = s.changedWhen;
  if (s.register) out.register = s.register;
  if (skippedByWhen(t)) out.skipped = 'when';
  return out;
}

/** The shortest exact form, as a playbook would write it: 1500 → `1500ms`, 30000 → `30s`, 300000 → `5m`. */
function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const serialText = (e: SerialEntry): number | string => (e.kind === 'percent' ? `${e.value}%` : e.value);

export function playSettings(spec: PlaySpec): JsonPlaySettings {
  const b = spec.breaker;
  return {
    forks: spec.forks,
    connect_rate: spec.connectRate,
    connect_timeout_ms: spec.connectTimeoutMs,
    serial: spec.serial ? spec.serial.map(serialText) : null,
    max_fail_percentage: spec.maxFailPercentage,
    max_failures: spec.maxFailures,
    breaker: b
      ? {
          scope: b.scope,
          failure_threshold: b.failureThreshold,
          success_threshold: b.successThreshold,
          cooldown_ms: b.cooldownMs,
          on_open: b.onOpen,
        }
      : null,
  };
}

/** Magic variables that list the whole inventory or play; repeating them under every host would drown the plan. */
const FLEET_WIDE = ['groups', 'hostvars', 'ansible_play_hosts', 'ansible_play_hosts_all', 'ansible_play_batch'];

function shownVars(h: PlannedHost): Record<string, unknown> {
  return Object.fromEntries(Object.entries(h.vars).filter(([k]) => !FLEET_WIDE.includes(k)));
}

/** The plan as `plan --json` prints it (secrets redacted). */
export function planJson(plan: Plan, redactor: Redactor): { plays: unknown[] } {
  return {
    plays: plan.plays.map((p) => ({
      name: p.name,
      settings: playSettings(p.spec),
      batches: p.batches,
      hosts: Object.fromEntries(
        [...p.hosts.values()].map((h) => [
          h.name,
          {
            vars: redactVars(shownVars(h), redactor),
            tasks: h.tasks.map((t) => jsonTask(t, redactor)),
            rescue: h.rescue.map((t) => jsonTask(t, redactor)),
          },
        ]),
      ),
    })),
  };
}

/** The play's guard rails: how fast it goes, its failure budget, and its breaker. */
function settingsLines(spec: PlaySpec): string[] {
  const pace = [
    `forks ${spec.forks}`,
    `connect_timeout ${formatDuration(spec.connectTimeoutMs)}`,
    `connect_rate ${spec.connectRate === null ? 'no cap' : `${spec.connectRate}/s`}`,
    `serial ${spec.serial ? `[${spec.serial.map(serialText).join(', ')}]` : 'all hosts in one batch'}`,
  ];
  const budget = [
    `max_fail_percentage ${spec.maxFailPercentage ?? 'none'}`,
    `max_failures ${spec.maxFailures ?? 'none'}`,
  ];
  const b = spec.breaker;
  const breaker = b
    ? `breaker per ${b.scope === 'play' ? 'play' : b.scope}: ` +
      `opens after ${b.failureThreshold} failed hosts in a row, ` +
      `half-open after ${formatDuration(b.cooldownMs)}, ` +
      `closes after ${b.successThreshold} successful probe${b.successThreshold === 1 ? '' : 's'}, ` +
      `on_open ${b.onOpen}`
    : 'breaker none';
  return [`  ${pace.join(', ')}`, `  ${budget.join(', ')}`, `  ${breaker}`];
}

/** `[when: …] [retries 2 every 1s] [timeout 30s]`: what decides whether, how often and how long a task runs. */
function taskConditions(s: TaskSpec): string {
  const parts: string[] = [];
  if (s.when?.length) parts.push(`when: ${s.when.join(' and ')}`);
  if (s.retries > 0) parts.push(`retries ${s.retries} every ${formatDuration(s.retryDelayMs)}`);
  if (s.timeoutMs !== undefined) parts.push(`timeout ${formatDuration(s.timeoutMs)}`);
  if (s.failedWhen?.length) parts.push(`failed_when: ${s.failedWhen.join(' and ')}`);
  if (s.changedWhen?.length) parts.push(`changed_when: ${s.changedWhen.join(' and ')}`);
  if (s.ignoreErrors) parts.push('ignore_errors');
  if (s.checkMode !== 'skip') parts.push(`check_mode: ${s.checkMode}`);
  return parts.map((p) => `  [${p}]`).join('');
}

/** The planner marks a task whose `when` is already false for the host: nothing of it was rendered. */
const skippedByWhen = (t: PlannedTask): boolean => t.preview.skipped === 'when';

/** Where a task runs and how, when it is not simply "on this host, as the login user". */
function placement(spec: TaskSpec): string {
  const parts: string[] = [];
  if (spec.loop) parts.push(`${spec.loop.source}`);
  if (spec.delegateTo) parts.push(`on ${spec.delegateTo}`);
  if (spec.runOnce) parts.push('run_once');
  if (spec.become) parts.push(`become ${spec.become.user} via ${spec.become.method}`);
  if (spec.notify?.length) parts.push(`notify: ${spec.notify.join(', ')}`);
  return parts.length > 0 ? `  [${parts.join('; ')}]` : '';
}

/** The tasks inside a block or an include, one line each, indented by how deep they sit. */
function describeNested(list: TaskSpec[], depth: number): string[] {
  const pad = (d: number) => '  '.repeat(d);
  return list.flatMap((spec) => {
    const head = `${pad(depth)}- ${spec.name}${placement(spec)}`;
    const a = structureOf(spec.action);
    if (a === null) return [head];
    if (a.kind === 'block') {
      return [
        head,
        ...describeNested(a.block, depth + 1),
        ...(a.rescue.length > 0 ? [`${pad(depth + 1)}rescue:`, ...describeNested(a.rescue, depth + 2)] : []),
        ...(a.always.length > 0 ? [`${pad(depth + 1)}always:`, ...describeNested(a.always, depth + 2)] : []),
      ];
    }
    if (a.kind === 'include_tasks' || a.kind === 'include_role') return [head, ...describeNested(a.tasks, depth + 1)];
    return [head];
  });
}

function describeTask(t: PlannedTask, redactor: Redactor): string[] {
  const head = `${t.index + 1}. ${t.spec.name}${taskConditions(t.spec)}${placement(t.spec)}`;
  if (skippedByWhen(t)) return [head, '     skipped: its when is false for these hosts'];
  if (structureOf(t.spec.action) !== null) {
    return [
      head,
      ...describeNested([t.spec], 2)
        .slice(1)
        .map((l) => `   ${l}`),
    ];
  }
  const lines = actionOf(t.spec.action.kind).describe(t.spec.action, t.preview, (text) => redactor.text(text));
  return [head, ...lines.map((l) => `     ${l}`)];
}

function hostList(names: string[], max = 12): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … (+${names.length - max} more)`;
}

/** A task as rendered for a host, with the host's own name blanked: hosts differing only by name compare equal. */
function taskShape(t: PlannedTask, host: string): string {
  return JSON.stringify(t.preview).replace(new RegExp(`\\b${escapeRegExp(host)}\\b`, 'g'), '\u0000host');
}

interface HostGroup {
  hosts: string[];
  host: PlannedHost;
  tasks: string[];
  rescue: string[];
}

/**
 * Hosts whose tasks render the same, apart from their own name, form one group shown once (for its first
 * host). After the first group, a task rendered as in the group above is a single line, so what differs
 * between groups stands out.
 */
function hostGroups(play: PlannedPlay): HostGroup[] {
  const groups = new Map<string, HostGroup>();
  for (const h of play.hosts.values()) {
    const tasks = h.tasks.map((t) => taskShape(t, h.name));
    const rescue = h.rescue.map((t) => taskShape(t, h.name));
    const key = JSON.stringify([tasks, rescue]);
    const g = groups.get(key);
    if (g) g.hosts.push(h.name);
    else groups.set(key, { hosts: [h.name], host: h, tasks, rescue });
  }
  return [...groups.values()];
}

function groupLines(g: HostGroup, previous: HostGroup | undefined, redactor: Redactor): string[] {
  const shownFor =
    g.hosts.length > 1 && g.host.tasks.some((t, i) => JSON.stringify(t.preview) !== g.tasks[i])
      ? ` (rendered for ${g.host.name}; the others differ only in their name)`
      : '';
  const where = g.host.connection.transport === 'local' ? '  (on the controller)' : '';
  const lines = [
    '',
    `  ${g.hosts.length === 1 ? 'host' : `${g.hosts.length} hosts`}: ${hostList(g.hosts)}${where}${shownFor}`,
  ];
  const render = (tasks: PlannedTask[], shapes: string[], before: string[] | undefined, indent: string) => {
    tasks.forEach((t, i) => {
      if (before !== undefined && before[i] === shapes[i])
        lines.push(`${indent}${t.index + 1}. ${t.spec.name}  (as above)`);
      else lines.push(...describeTask(t, redactor).map((l) => `${indent}${l}`));
    });
  };
  render(g.host.tasks, g.tasks, previous?.tasks, '    ');
  if (g.host.rescue.length > 0) {
    lines.push('    rescue:');
    render(g.host.rescue, g.rescue, previous?.rescue, '      ');
  }
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The plan as `runbook plan` prints it. */
export function planText(plan: Plan, redactor: Redactor): string {
  const lines: string[] = [];
  for (const play of plan.plays) {
    const n = play.hosts.size;
    lines.push(`PLAY ${play.name}  (${plural(n, 'host')}, ${plural(play.batches.length, 'batch', 'batches')})`);
    lines.push(...settingsLines(play.spec));
    play.batches.forEach((b, i) => lines.push(`  batch ${i + 1}/${play.batches.length} (${b.length}): ${hostList(b)}`));
    let previous: HostGroup | undefined;
    for (const g of hostGroups(play)) {
      lines.push(...groupLines(g, previous, redactor));
      previous = g;
    }
    lines.push('');
  }
  // Rendered templates and names come from playbooks and inventories: no control character reaches the terminal.
  return `${terminalSafe(lines.join('\n'))}\n`;
}
