import { isAbsolute, posix } from 'node:path';
import { handlerNames, structureOf, type MetaAction, type TaskSpec } from '../playbook/types.js';
import type { BatchSync, TaskKey } from './batch-sync.js';
import { loopItems } from './loop.js';
import type { TaskResult } from './results.js';

/**
 * The order a host meets its tasks in, as Ansible's play iterator gives it: top-level steps (pre_tasks, roles,
 * tasks, post_tasks), blocks with rescue and always, dynamic includes once per loop item, handlers run once
 * per host when notified (at the end of each section, at meta: flush_handlers, and at the end of the play),
 * run_once shared across the batch and any_errors_fatal stopping it. What one task does is the task runner's.
 */
export interface TaskRunnerLike {
  /** Runs one task (all its loop items) for this host; `scope` holds the variables of enclosing includes. */
  run(task: TaskSpec, scope: Record<string, unknown>, flags: { handler?: boolean }): Promise<TaskResult>;
  /** Whether the task's conditions hold for this host now (for includes and include_vars). */
  holds(task: TaskSpec, scope: Record<string, unknown>): Promise<boolean | string>;
  /** A templated include name rendered for this host, or why it could not be. */
  render(task: TaskSpec, text: string, scope: Record<string, unknown>): string | Error;
  /** The loop items of a task (an include's), already evaluated. */
  items(task: TaskSpec, scope: Record<string, unknown>): unknown;
  /** A skipped result for a task that did not run (a false condition on an include). */
  skipped(task: TaskSpec): TaskResult;
  /** Emits the start and end events of a result the flow made itself (an include, a skip, a halt). */
  announce(task: TaskSpec, result: TaskResult): void;
  /** Variables that outlive the task: include_vars, and a run_once task's registered result. */
  setFacts(vars: Record<string, unknown>): void;
  /** What `register` stored for this host, for run_once to hand to the rest of the batch. */
  registeredValue(name: string): unknown;
  /** meta reset_connection: the next task runs over a new connection. */
  resetConnection(): Promise<void>;
  /** meta clear_facts: the gathered facts of the play's hosts are forgotten. */
  clearFacts(): void;
}

export interface FlowOptions {
  host: string;
  tasks: TaskSpec[];
  handlers: TaskSpec[];
  sync: BatchSync;
  forceHandlers: boolean;
  anyErrorsFatal: boolean;
  /** The play's max_fail_percentage: under linear it is judged after every task, as Ansible's linear does. */
  maxFailPercentage?: number | null;
  /** Called for every task result, in order. */
  record: (result: TaskResult) => void;
}

/** How a list of tasks ended for this host; `ended`: meta end_host or end_play stopped it, not failed. */
export type FlowEnd = { failed: null; ended?: true } | { failed: TaskResult; task?: TaskSpec };

const OK: FlowEnd = { failed: null };
const ENDED: FlowEnd = { failed: null, ended: true };

/** Whether the rest of a task list is left: a failure, or the host's play ended. */
function stops(end: FlowEnd): boolean {
  return end.failed !== null || end.ended === true;
}

/** Failures no rescue can answer: the link is gone or the run is being stopped. */
function unrescuable(result: TaskResult): boolean {
  return result.reason === 'dropped' || result.reason === 'interrupted' || result.reason === 'halted';
}

export class HostFlow {
  private readonly notified = new Set<string>();
  /** How many blocks with a rescue the host is inside the block part of: a failure there is not yet fatal. */
  private rescuable = 0;

  constructor(
    private readonly runner: TaskRunnerLike,
    private readonly opts: FlowOptions,
  ) {}

  /** The play for this host: its steps, then its handlers. */
  async run(): Promise<FlowEnd> {
    const { sync, host } = this.opts;
    let section: TaskSpec['section'];
    let end: FlowEnd = OK;
    for (const [step, task] of this.opts.tasks.entries()) {
      if (section !== undefined && task.section !== section) {
        end = await this.flush([step, -1]);
        if (stops(end)) break;
      }
      section = task.section;
      sync.before(host, step);
      if (sync.fatal) {
        end = this.halted(task);
        break;
      }
      if (sync.ended) {
        end = ENDED;
        break;
      }
      end = await this.task(task, {}, [step, 0]);
      if (stops(end)) break;
    }
    if (end.failed) sync.failed.add(host);
    const last: TaskKey = [this.opts.tasks.length, -1];
    // A host whose play ended (meta end_host, end_play) runs no handlers, as in Ansible.
    if (!end.failed) return end.ended ? end : this.flush(last);
    // A failed host's handlers run only when asked to (Ansible's --force-handlers).
    if (this.opts.forceHandlers && !unrescuable(end.failed)) await this.flush(last);
    return end;
  }

  /** The tasks of a list in order, the i-th at `at` + [i]; the first failure ends it. */
  async list(tasks: readonly TaskSpec[], scope: Record<string, unknown>, at: TaskKey): Promise<FlowEnd> {
    for (const [i, t] of tasks.entries()) {
      const end = await this.task(t, scope, [...at, i]);
      if (stops(end)) return end;
    }
    return OK;
  }

  private async task(task: TaskSpec, scope: Record<string, unknown>, key: TaskKey): Promise<FlowEnd> {
    const a = structureOf(task.action);
    if (a === null) return this.leaf(task, scope, false, key);
    switch (a.kind) {
      case 'block':
        return this.block(a.block, a.rescue, a.always, scope, key);
      case 'include_tasks':
      case 'include_role':
        await this.opts.sync.turn(this.opts.host, key);
        return this.include(task, a, scope, key);
      case 'include_vars': {
        await this.opts.sync.turn(this.opts.host, key);
        const holds = await this.runner.holds(task, scope);
        if (holds !== true) return this.notRun(task, holds);
        const vars = this.chosen(task, a.file, a.vars, a.choices, scope);
        if ('failed' in vars) return vars;
        this.runner.setFacts(vars.chosen);
        this.included(task);
        return OK;
      }
      case 'meta':
        return this.meta(task, a.meta, scope, key);
    }
  }

  /**
   * A meta task: not counted in the recap, skipped or not, as ansible-playbook counts it. refresh_inventory
   * does nothing: runbook's inventories are static files, read once. clear_facts forgets gathered facts only:
   * set_fact and register values stay, as Ansible keeps them apart from its fact cache.
   * noop, refresh_inventory and reset_connection ignore `when`, as Ansible does (it only warns).
   */
  private async meta(task: TaskSpec, meta: MetaAction, scope: Record<string, unknown>, key: TaskKey): Promise<FlowEnd> {
    const { sync, host } = this.opts;
    if (meta === 'flush_handlers') return this.flush(key);
    if (meta === 'noop' || meta === 'refresh_inventory') return OK;
    await sync.turn(host, key);
    if (meta === 'reset_connection') {
      await this.runner.resetConnection();
      return OK;
    }
    const holds = await this.runner.holds(task, scope);
    if (typeof holds === 'string') return this.notRun(task, holds);
    if (!holds) return OK;
    switch (meta) {
      case 'clear_facts':
        this.runner.clearFacts();
        return OK;
      case 'clear_host_errors':
        sync.clearHostErrors();
        return OK;
      case 'end_play':
        sync.endPlay();
        return ENDED;
      case 'end_batch':
        sync.endBatch();
        return ENDED;
      default:
        return ENDED;
    }
  }

  private notRun(task: TaskSpec, why: boolean | string): FlowEnd {
    if (typeof why === 'string') {
      const failed: TaskResult = { ...this.runner.skipped(task), status: 'failed', error: why, reason: 'expression' };
      this.synthetic(task, failed);
      return { failed };
    }
    this.synthetic(task, this.runner.skipped(task));
    return OK;
  }

  private synthetic(task: TaskSpec, result: TaskResult): void {
    this.runner.announce(task, result);
    this.opts.record(result);
  }

  /**
   * Ansible's block: a failure in `block` runs `rescue`, and a rescue that succeeds clears it (the host is
   * rescued, not failed); `always` runs after both, whatever happened.
   */
  private async block(
    block: TaskSpec[],
    rescue: TaskSpec[],
    always: TaskSpec[],
    scope: Record<string, unknown>,
    key: TaskKey,
  ): Promise<FlowEnd> {
    if (rescue.length > 0) this.rescuable += 1;
    let end: FlowEnd;
    try {
      end = await this.list(block, scope, [...key, 0]);
    } finally {
      if (rescue.length > 0) this.rescuable -= 1;
    }
    if (end.failed && rescue.length > 0 && !unrescuable(end.failed)) {
      const failure = end.failed;
      // Ansible's failed task has the name written on it, or none.
      const name = end.task?.locs.name !== undefined ? failure.name : '';
      this.runner.setFacts({ ansible_failed_task: { name }, ansible_failed_result: failureFacts(failure) });
      // Counted as rescued whether or not the rescue then succeeds, as ansible-playbook's recap counts it.
      failure.rescued = true;
      end = await this.list(rescue, scope, [...key, 1]);
    }
    if (end.failed && unrescuable(end.failed)) return end;
    if (end.failed === null && end.ended) return end;
    const after = await this.list(always, scope, [...key, 2]);
    return stops(after) ? after : end;
  }

  /** A dynamic include: its condition once, then its tasks once per loop item, with the item in scope. */
  private async include(
    task: TaskSpec,
    a: { file?: string; name?: string; tasks: TaskSpec[]; choices?: Record<string, TaskSpec[]> },
    scope: Record<string, unknown>,
    key: TaskKey,
  ): Promise<FlowEnd> {
    const pick = (inner: Record<string, unknown>): { chosen: TaskSpec[] } | { failed: TaskResult } =>
      this.chosen(task, a.file ?? a.name ?? '', a.tasks, a.choices, inner);
    if (!task.loop) {
      const holds = await this.runner.holds(task, scope);
      if (holds !== true) return this.notRun(task, holds);
      const tasks = pick(scope);
      if ('failed' in tasks) return tasks;
      this.included(task);
      return this.list(tasks.chosen, { ...scope, ...task.vars }, [...key, 0]);
    }
    const value = this.runner.items(task, scope);
    const items = value instanceof Error ? null : loopItems(task.loop, value);
    if (items === null || !items.ok) {
      const failed: TaskResult = {
        ...this.runner.skipped(task),
        status: 'failed',
        error: value instanceof Error ? value.message : items && !items.ok ? items.message : 'bad loop',
        reason: 'expression',
      };
      this.synthetic(task, failed);
      return { failed };
    }
    for (const [n, item] of items.items.entries()) {
      const inner = { ...scope, ...task.vars, ...item.vars };
      const holds = await this.runner.holds(task, inner);
      if (holds !== true) {
        const end = this.notRun(task, holds);
        if (stops(end)) return end;
        continue;
      }
      const tasks = pick(inner);
      if ('failed' in tasks) return tasks;
      this.included(task);
      const end = await this.list(tasks.chosen, inner, [...key, n]);
      if (stops(end)) return end;
    }
    return OK;
  }

  /**
   * What an include runs for this host: its one file's, or, for a templated name, the choice the rendered
   * name picks. A name that leaves the playbook's directory, or names a file the playbook does not hold,
   * fails the include (as Ansible fails one whose file it cannot find).
   */
  private chosen<T>(
    task: TaskSpec,
    written: string,
    only: T,
    choices: Record<string, T> | undefined,
    scope: Record<string, unknown>,
  ): { chosen: T } | { failed: TaskResult; task: TaskSpec } {
    if (!choices) return { chosen: only };
    const rendered = this.runner.render(task, written, { ...scope, ...task.vars });
    const name = rendered instanceof Error ? '' : posix.normalize(rendered).replace(/^(\.\/)+/, '');
    const chosen = name === '' ? undefined : choices[name];
    if (chosen !== undefined && Object.hasOwn(choices, name)) return { chosen };
    const keyword = task.action.kind;
    const error =
      rendered instanceof Error
        ? `${keyword}: ${rendered.message}`
        : isAbsolute(name) || name.split('/').includes('..')
          ? `${keyword}: "${rendered}" is outside the playbook's directory`
          : `${keyword}: "${rendered}" (from "${written}") names nothing the playbook holds; ` +
            `it can name ${Object.keys(choices).join(', ') || 'nothing'}`;
    const failed: TaskResult = { ...this.runner.skipped(task), status: 'failed', error, reason: 'template' };
    this.synthetic(task, failed);
    return { failed, task };
  }

  /**
   * An include_tasks or include_vars that happened counts as an ok task, once per item, as ansible-playbook
   * counts it; include_role does not count.
   */
  private included(task: TaskSpec): void {
    if (task.action.kind === 'include_role') return;
    const result: TaskResult = { ...this.runner.skipped(task), status: 'ok' };
    this.runner.announce(task, result);
    this.opts.record(result);
  }

  /** The host stops where it is, failing nothing of its own: ansible-playbook counts no task for it. */
  private halted(task: TaskSpec, why?: string): FlowEnd {
    const fatal = this.opts.sync.fatal;
    return {
      failed: {
        ...this.runner.skipped(task),
        status: 'failed',
        error: why ?? `${fatal?.task} failed on ${fatal?.host} (any_errors_fatal)`,
        reason: 'halted',
      },
    };
  }

  /** Linear's max_fail_percentage: more of the batch failed than allowed, so no host starts another task. */
  private overBudget(): string | null {
    const { sync, maxFailPercentage } = this.opts;
    const size = sync.order.length;
    if (maxFailPercentage === null || maxFailPercentage === undefined || size === 0) return null;
    if ((sync.failed.size / size) * 100 <= maxFailPercentage) return null;
    return `max_fail_percentage: ${sync.failed.size} of ${size} hosts of the batch failed`;
  }

  private async leaf(task: TaskSpec, scope: Record<string, unknown>, handler: boolean, key: TaskKey): Promise<FlowEnd> {
    const { sync } = this.opts;
    await sync.turn(this.opts.host, key);
    // An any_errors_fatal failure elsewhere in the batch stops this host at its next task, wherever it is
    // (in a block, an include or a role); in lockstep every host has finished the task before.
    if (sync.fatal && !handler) return this.halted(task);
    const over = sync.linear && !handler ? this.overBudget() : null;
    if (over) return this.halted(task, over);
    if (sync.ended && !handler) return ENDED;
    let result: TaskResult;
    if (task.runOnce) {
      const shared = await this.opts.sync.runOnce(task, this.opts.host, async () => {
        const r = await this.runner.run(task, scope, { handler });
        return { result: r, registered: task.register ? this.runner.registeredValue(task.register) : undefined };
      });
      const { result: first, registered } = shared.value;
      if (!shared.first) {
        // The rest of the batch takes the first host's result, as Ansible hands it out, without running it.
        if (task.register) this.runner.setFacts({ [task.register]: registered });
        if (first.changed) this.notify(task);
        if (first.status !== 'failed' || first.ignored) return OK;
        const failed: TaskResult = { ...first, error: `${first.error ?? 'failed'} (run_once, on ${shared.host})` };
        this.synthetic(task, failed);
        return { failed, task };
      }
      result = first;
    } else {
      result = await this.runner.run(task, scope, { handler });
    }
    this.opts.record(result);
    if (result.changed) this.notify(task);
    if (result.status === 'failed' && !result.ignored) {
      // A failure a rescue answers stops nobody, as in Ansible.
      if ((task.anyErrorsFatal || this.opts.anyErrorsFatal) && this.rescuable === 0)
        this.opts.sync.fatal ??= { host: this.opts.host, task: task.name };
      return { failed: result, task };
    }
    return OK;
  }

  private notify(task: TaskSpec): void {
    for (const n of task.notify ?? []) this.notified.add(n);
  }

  /** Runs each notified handler once, in the order handlers are written; a handler may notify a later one. */
  private async flush(at: TaskKey): Promise<FlowEnd> {
    if (this.notified.size === 0) return OK;
    for (const [i, h] of this.opts.handlers.entries()) {
      const names = [...handlerNames(h.name, h.role), ...(h.listen ?? [])];
      // A topic stays notified for every handler that listens to it, in this and other roles.
      if (!names.some((n) => this.notified.has(n))) continue;
      const end = await this.leaf(h, {}, true, [...at, i]);
      if (end.failed) return end;
    }
    this.notified.clear();
    return OK;
  }
}

/** What `ansible_failed_result` shows a rescue: the failed task's outcome. */
function failureFacts(r: TaskResult): Record<string, unknown> {
  return { failed: true, changed: r.changed, rc: r.rc, stdout: r.stdout, stderr: r.stderr, msg: r.error ?? '' };
}
