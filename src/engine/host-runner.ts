import { userInfo } from 'node:os';
import { createTwoFilesPatch } from 'diff';
import { Redactor } from '../playbook/redact.js';
import { LocalTransport } from '../transport/local.js';
import { TransportError, type ExecResult, type Session, type Transport } from '../transport/transport.js';
import type { TaskSpec } from '../playbook/types.js';
import { batchSync, type BatchSync } from './batch-sync.js';
import { becomeCommand, becomeRefused, shellQuote, withoutPrompt, type BecomeCommand } from './become.js';
import { iso, type Clock } from './clock.js';
import type { EventBus } from './events.js';
import { HostFlow, type TaskRunnerLike } from './host-flow.js';
import { loopItems, registeredLoop } from './loop.js';
import type { PlannedHost, PlannedPlay } from './plan-model.js';
import type { FailureReason, HostResult, ItemResult, TaskResult, TaskStatus } from './results.js';

/**
 * A task without `timeout` still gets one: a device that accepts a command and then never answers must not
 * hold a fork slot (and its batch) forever.
 */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;
/** How long past the transport's own deadline we wait before giving up on it ourselves. */
const BACKSTOP_MS = 2_000;
const CLOSE_GRACE_MS = 2_000;

/** What every part of a run shares: how to reach hosts, where to report, the time, and the run's mode. */
export interface RunContext {
  transport: Transport;
  bus: EventBus;
  clock: Clock;
  check: boolean;
  diff: boolean;
  env: NodeJS.ProcessEnv;
  /** Hard stop: in-flight hosts end now, recorded failed with reason `interrupted`. */
  abortSignal?: AbortSignal;
  defaultTaskTimeoutMs?: number;
  /** `--force-handlers`: a failed host still runs the handlers it was notified for. */
  forceHandlers?: boolean;
}

export interface HostRunOptions extends RunContext {
  play: PlannedPlay;
  host: PlannedHost;
  batch: number;
  /** Resolves when this host may open its connection (the play's connect rate). */
  beforeConnect?: () => Promise<void>;
  warn?: (message: string) => void;
}

/** What one attempt at a task found, before names and timings are attached. */
interface Outcome {
  status: TaskStatus;
  changed: boolean;
  rc: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
  reason: FailureReason | null;
  would_run?: boolean;
  diff?: string;
  /** assert's success message, kept for `register`. */
  msg?: string;
  /** The host the task ran on instead of its own. */
  delegatedTo?: string;
}

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Registered results, as `register` stores them and expressions read them (Ansible's keys). */
function registered(o: Outcome): Record<string, unknown> {
  return {
    stdout: o.stdout,
    stderr: o.stderr,
    stdout_lines: lines(o.stdout),
    stderr_lines: lines(o.stderr),
    rc: o.rc,
    changed: o.changed,
    failed: o.status === 'failed',
    skipped: o.status === 'skipped',
    ...(o.msg !== undefined ? { msg: o.msg } : o.error !== null ? { msg: o.error } : {}),
  };
}

function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

function failed(reason: FailureReason, error: string, partial: Partial<Outcome> = {}): Outcome {
  return { status: 'failed', changed: false, rc: null, stdout: '', stderr: '', error, reason, ...partial };
}

const SKIPPED: Outcome = { status: 'skipped', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Names by which a task is pointed at the controller itself. */
const CONTROLLER = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Runs one host's tasks over one session. Never throws: an unreachable device, a failing command or an
 * interrupted run all become a HostResult with a reason.
 */
export async function runHost(opts: HostRunOptions): Promise<HostResult> {
  const { play, host } = opts;
  const sync = batchSync(play, opts.batch, play.spec.strategy === 'linear');
  if (sync.order.length === 0) sync.order = play.batches[opts.batch - 1] ?? [];
  sync.join(host.name);
  try {
    return await runJoined(opts, sync);
  } finally {
    sync.leave(host.name);
  }
}

async function runJoined(opts: HostRunOptions, sync: BatchSync): Promise<HostResult> {
  const { play, host, clock } = opts;
  const startedAt = clock.now();
  const redactor = new Redactor().addFromVars(host.vars, opts.env);
  if (host.connection.passwordEnv) redactor.add(opts.env[host.connection.passwordEnv]);
  if (host.connection.passphraseEnv) redactor.add(opts.env[host.connection.passphraseEnv]);
  const base = { name: host.name, play: play.name, batch: opts.batch, started: new Date(startedAt).toISOString() };
  const end = (status: HostResult['status'], reason: FailureReason | null, error: string | null, tasks: TaskResult[]): HostResult => ({
    ...base,
    status,
    reason,
    duration_ms: clock.now() - startedAt,
    tasks,
    error: error === null ? null : redactor.text(error),
  });

  if (opts.abortSignal?.aborted) return end('failed', 'interrupted', 'interrupted before it started', []);

  let session: Session;
  try {
    await opts.beforeConnect?.();
    if (opts.abortSignal?.aborted) throw new Interrupted();
    const timeoutMs = play.spec.connectTimeoutMs;
    // `connection: local` and the implicit localhost run on the controller, as Ansible runs them.
    const transport = isLocal(opts) ? new LocalTransport() : opts.transport;
    session = await bounded(
      (signal) => transport.connect(host.connection, { timeoutMs, signal, ...(opts.warn ? { warn: opts.warn } : {}) }),
      timeoutMs + BACKSTOP_MS,
      `connection not established within ${timeoutMs} ms`,
      clock,
      opts.abortSignal,
    );
  } catch (err) {
    if (err instanceof Interrupted || opts.abortSignal?.aborted) return end('failed', 'interrupted', 'interrupted while connecting', []);
    if (err instanceof TransportError) return end('unreachable', err.reason, err.message, []);
    return end('unreachable', 'unreachable', message(err), []);
  }

  const runner = new TaskRunner(opts, session, redactor);
  try {
    const tasks: TaskResult[] = [];
    const flow = new HostFlow(runner, {
      host: host.name,
      tasks: host.tasks.map((t) => t.spec),
      handlers: play.spec.handlers ?? [],
      sync,
      forceHandlers: opts.forceHandlers === true,
      anyErrorsFatal: play.spec.anyErrorsFatal === true,
      record: (r) => tasks.push(r),
    });
    const outcome = await flow.run();
    const failure = outcome.failed;
    if (failure) {
      const reason = failure.reason ?? 'command';
      const linkProven = tasks.slice(0, tasks.indexOf(failure)).some((t) => t.status !== 'skipped' || t.would_run);
      if (reason !== 'dropped' && reason !== 'interrupted' && reason !== 'halted') {
        for (const task of host.rescue) {
          const result = await runner.run(task.spec, {}, { rescue: true });
          tasks.push(result);
          if (result.status === 'failed' && !result.ignored) break;
        }
      }
      const error = `${failure.name}: ${failure.error ?? reason}`;
      // A link that died before anything ran says the device is unreachable, not that the change failed.
      const status = reason === 'dropped' && !linkProven ? 'unreachable' : 'failed';
      return end(status, reason, error, tasks);
    }
    return end(tasks.some((t) => t.changed && !t.rescue) ? 'changed' : 'ok', null, null, tasks);
  } finally {
    await runner.closeDelegates();
    await closeQuietly(session, clock);
  }
}

function isLocal(opts: HostRunOptions): boolean {
  return opts.play.spec.connection === 'local' || opts.host.local === true;
}

class TaskRunner implements TaskRunnerLike {
  private readonly base: Record<string, unknown>;
  /** Registered results and include_vars: above every other variable but a loop's. */
  private readonly facts: Record<string, unknown> = {};
  private readonly delegates = new Map<string, Promise<Session>>();
  private index = 0;

  constructor(
    private readonly opts: HostRunOptions,
    private readonly session: Session,
    private readonly redactor: Redactor,
  ) {
    this.base = { ...opts.host.vars };
  }

  /** Ansible's precedence, lowest first: role defaults, host and play vars, block/role/task vars, facts, loop. */
  private context(task: TaskSpec, scope: Record<string, unknown>): Record<string, unknown> {
    return { ...(task.defaults ?? {}), ...this.base, ...(task.vars ?? {}), ...this.facts, ...scope };
  }

  setFacts(vars: Record<string, unknown>): void {
    Object.assign(this.facts, vars);
  }

  registeredValue(name: string): unknown {
    return this.facts[name];
  }

  async holds(task: TaskSpec, scope: Record<string, unknown>): Promise<boolean | string> {
    if (!task.when) return true;
    try {
      return this.allTrue(task.when, this.context(task, scope));
    } catch (err) {
      return `when: ${message(err)}`;
    }
  }

  items(task: TaskSpec, scope: Record<string, unknown>): unknown {
    try {
      return this.opts.play.renderer.value(task.loop?.items, this.context(task, scope));
    } catch (err) {
      return new Error(`${task.loop?.source ?? 'loop'}: ${message(err)}`);
    }
  }

  skipped(task: TaskSpec): TaskResult {
    return { name: task.name, status: 'skipped', changed: false, rc: null, stdout: '', stderr: '', attempts: 0, duration_ms: 0, error: null, reason: null };
  }

  announce(task: TaskSpec, result: TaskResult): void {
    const { bus, clock, play, host } = this.opts;
    const index = this.index++;
    bus.emit({ type: 'task_start', at: iso(clock), play: play.name, host: host.name, task: task.name, index });
    bus.emit({ type: 'task_end', at: iso(clock), play: play.name, host: host.name, index, result });
  }

  async run(spec: TaskSpec, scope: Record<string, unknown>, flags: { handler?: boolean; rescue?: boolean }): Promise<TaskResult> {
    const { bus, clock, play, host } = this.opts;
    const index = this.index++;
    const rescue = flags.rescue === true;
    bus.emit({ type: 'task_start', at: iso(clock), play: play.name, host: host.name, task: spec.name, index, ...(rescue ? { rescue } : {}) });
    const t0 = clock.now();
    const ctx = this.context(spec, scope);
    let outcome: Outcome;
    let attempts = 0;
    let items: ItemResult[] | undefined;
    if (spec.loop) {
      const looped = await this.loop(spec, ctx);
      outcome = looped.outcome;
      attempts = looped.attempts;
      items = looped.items;
    } else {
      const once = await this.attempts(spec, ctx);
      outcome = once.outcome;
      attempts = once.attempts;
      if (spec.register) this.facts[spec.register] = registered(outcome);
    }
    const r = this.redactor;
    const hidden = spec.noLog === true;
    const result: TaskResult = {
      name: spec.name,
      status: outcome.status,
      changed: outcome.changed,
      rc: outcome.rc,
      stdout: hidden ? (outcome.stdout === '' ? '' : NO_LOG_MESSAGE) : r.text(outcome.stdout),
      stderr: hidden ? (outcome.stderr === '' ? '' : NO_LOG_MESSAGE) : r.text(outcome.stderr),
      attempts,
      duration_ms: clock.now() - t0,
      error: outcome.error === null ? null : hidden ? NO_LOG_MESSAGE : r.text(outcome.error),
      reason: outcome.reason,
    };
    if (outcome.would_run) result.would_run = true;
    if (outcome.diff !== undefined && !hidden) result.diff = r.text(outcome.diff);
    if (rescue) result.rescue = true;
    if (flags.handler) result.handler = true;
    if (outcome.delegatedTo !== undefined) result.delegated_to = outcome.delegatedTo;
    if (items) result.items = hidden ? items.map((i) => ({ ...i, label: NO_LOG_MESSAGE, stdout: '', stderr: '', error: i.error === null ? null : NO_LOG_MESSAGE })) : items;
    if (outcome.status === 'failed' && spec.ignoreErrors) result.ignored = true;
    bus.emit({ type: 'task_end', at: iso(clock), play: play.name, host: host.name, index, result });
    return result;
  }

  /** Every item of a loop (a failed item does not stop the others, as in Ansible), folded into one outcome. */
  private async loop(spec: TaskSpec, ctx: Record<string, unknown>): Promise<{ outcome: Outcome; attempts: number; items: ItemResult[] }> {
    const loop = spec.loop!;
    let value: unknown;
    try {
      value = this.opts.play.renderer.value(loop.items, ctx);
    } catch (err) {
      return { outcome: failed('expression', `${loop.source}: ${message(err)}`), attempts: 0, items: [] };
    }
    const listed = loopItems(loop, value);
    if (!listed.ok) return { outcome: failed('expression', listed.message), attempts: 0, items: [] };
    const results: Array<Record<string, unknown>> = [];
    const items: ItemResult[] = [];
    let attempts = 0;
    let firstFailure: Outcome | null = null;
    let delegatedTo: string | undefined;
    for (const item of listed.items) {
      if (item.index > 0 && loop.pauseMs > 0) await this.opts.clock.sleep(loop.pauseMs, this.opts.abortSignal).catch(() => undefined);
      const itemCtx = { ...ctx, ...item.vars };
      const one = await this.attempts(spec, itemCtx);
      attempts += one.attempts;
      delegatedTo ??= one.outcome.delegatedTo;
      const o = one.outcome;
      results.push({ ...registered(o), [loop.loopVar]: item.item, item: item.item, ansible_loop_var: loop.loopVar, ...(loop.indexVar ? { [loop.indexVar]: item.index } : {}) });
      items.push({ label: this.label(loop.label, itemCtx, item.item), status: o.status, changed: o.changed, rc: o.rc, stdout: this.redactor.text(o.stdout), stderr: this.redactor.text(o.stderr), error: o.error === null ? null : this.redactor.text(o.error) });
      if (o.status === 'failed' && firstFailure === null) firstFailure = o;
      if (o.reason === 'dropped' || o.reason === 'interrupted') break;
    }
    if (spec.register) this.facts[spec.register] = registeredLoop(results);
    const changed = items.some((i) => i.changed);
    const allSkipped = items.every((i) => i.status === 'skipped');
    let outcome: Outcome;
    if (firstFailure) {
      outcome = { ...firstFailure, changed, error: `${items.filter((i) => i.status === 'failed').length} of ${items.length} items failed: ${firstFailure.error ?? ''}` };
    } else if (allSkipped) {
      outcome = { ...SKIPPED, ...(items.some((i) => i.status === 'skipped') && items.length > 0 ? {} : {}) };
      if (items.length > 0 && this.opts.check && spec.checkMode !== 'run') outcome.would_run = true;
    } else {
      outcome = { status: changed ? 'changed' : 'ok', changed, rc: null, stdout: '', stderr: '', error: null, reason: null };
    }
    if (delegatedTo !== undefined) outcome.delegatedTo = delegatedTo;
    return { outcome, attempts, items };
  }

  private label(label: string | undefined, ctx: Record<string, unknown>, item: unknown): string {
    if (label !== undefined) {
      try {
        return this.redactor.text(String(this.opts.play.renderer.value(label, ctx)));
      } catch {
        return label;
      }
    }
    return this.redactor.text(typeof item === 'string' ? item : JSON.stringify(item));
  }

  /** One task (one loop item): retries on failure, or Ansible's until, which retries until it holds. */
  private async attempts(spec: TaskSpec, ctx: Record<string, unknown>): Promise<{ outcome: Outcome; attempts: number }> {
    let attempts = 0;
    let outcome: Outcome;
    for (;;) {
      attempts += 1;
      outcome = await this.attempt(spec, ctx);
      if (spec.until && outcome.status !== 'skipped' && outcome.reason !== 'dropped' && outcome.reason !== 'interrupted') {
        const seen = { ...registered(outcome), attempts };
        let holds: boolean;
        try {
          holds = this.allTrue(spec.until, { ...ctx, ...seen, ...(spec.register ? { [spec.register]: seen } : {}) });
        } catch (err) {
          outcome = failed('expression', `until: ${message(err)}`, { rc: outcome.rc, stdout: outcome.stdout, stderr: outcome.stderr });
          break;
        }
        if (holds) break;
        if (attempts > spec.retries) {
          outcome = failed(outcome.reason ?? 'command', `until did not hold after ${attempts} attempts`, {
            rc: outcome.rc, stdout: outcome.stdout, stderr: outcome.stderr, changed: outcome.changed,
          });
          break;
        }
      } else {
        const retryable = outcome.status === 'failed' && outcome.reason !== 'dropped' && outcome.reason !== 'interrupted' && outcome.reason !== 'auth';
        if (!retryable || attempts > spec.retries) break;
      }
      try {
        await this.opts.clock.sleep(spec.retryDelayMs, this.opts.abortSignal);
      } catch {
        outcome = failed('interrupted', 'interrupted while waiting to retry');
        break;
      }
    }
    return { outcome, attempts };
  }

  private async attempt(spec: TaskSpec, ctx: Record<string, unknown>): Promise<Outcome> {
    if (this.opts.abortSignal?.aborted) return failed('interrupted', 'interrupted');
    try {
      if (spec.when && !this.allTrue(spec.when, ctx)) return { ...SKIPPED };
    } catch (err) {
      return failed('expression', `when: ${message(err)}`);
    }
    let target: { session: Session; delegatedTo?: string };
    try {
      target = await this.target(spec, ctx);
    } catch (err) {
      if (err instanceof Interrupted || this.opts.abortSignal?.aborted) return failed('interrupted', 'interrupted');
      if (err instanceof TransportError) return failed(err.reason, err.message);
      return failed('template', message(err));
    }
    const outcome = await this.act(spec, ctx, target.session, target.delegatedTo);
    if (target.delegatedTo !== undefined) outcome.delegatedTo = target.delegatedTo;
    return outcome;
  }

  private act(spec: TaskSpec, ctx: Record<string, unknown>, session: Session, delegatedTo: string | undefined): Promise<Outcome> | Outcome {
    switch (spec.action.kind) {
      case 'command':
        return this.command(spec, ctx, session, delegatedTo);
      case 'template':
        return this.template(spec, ctx, session);
      case 'assert':
        return this.assert(spec.action.that, spec.action.msg, spec.action.successMsg, ctx);
      default:
        // Blocks, includes and meta are the host flow's; they never reach a runner.
        return failed('command', `${spec.action.kind} cannot run as a single task`);
    }
  }

  /** The session a task runs over: the host's own, or the delegate's (opened once per host run). */
  private async target(spec: TaskSpec, ctx: Record<string, unknown>): Promise<{ session: Session; delegatedTo?: string }> {
    if (spec.delegateTo === undefined) return { session: this.session };
    const name = this.opts.play.renderer.value(spec.delegateTo, ctx);
    if (typeof name !== 'string' || name === '') throw new Error(`delegate_to: expected a host name, got ${JSON.stringify(name)}`);
    if (name === this.opts.host.name && !CONTROLLER.has(name)) return { session: this.session, delegatedTo: name };
    let pending = this.delegates.get(name);
    if (!pending) {
      pending = this.openDelegate(name);
      this.delegates.set(name, pending);
    }
    return { session: await pending, delegatedTo: name };
  }

  private async openDelegate(name: string): Promise<Session> {
    const conn = this.opts.play.connectionOf?.(name);
    const local = conn === undefined ? CONTROLLER.has(name) : conn.local === true;
    if (!local && conn === undefined) throw new Error(`delegate_to: "${name}" is not an inventory host (nor localhost)`);
    const timeoutMs = this.opts.play.spec.connectTimeoutMs;
    const transport = local ? new LocalTransport() : this.opts.transport;
    const target = conn?.connection ?? this.opts.host.connection;
    return bounded(
      (signal) => transport.connect(target, { timeoutMs, signal, ...(this.opts.warn ? { warn: this.opts.warn } : {}) }),
      timeoutMs + BACKSTOP_MS,
      `connection to ${name} not established within ${timeoutMs} ms`,
      this.opts.clock,
      this.opts.abortSignal,
    );
  }

  async closeDelegates(): Promise<void> {
    for (const pending of this.delegates.values()) {
      const session = await pending.catch(() => null);
      if (session) await closeQuietly(session, this.opts.clock);
    }
  }

  private inCheck(spec: TaskSpec): boolean {
    return spec.checkMode === 'always' || (this.opts.check && spec.checkMode !== 'run');
  }

  private becomePassword(ctx: Record<string, unknown>): string | undefined {
    for (const k of ['ansible_become_password', 'ansible_become_pass']) {
      const v = ctx[k];
      if (typeof v === 'string') return v;
    }
    const env = ctx.become_password_env ?? ctx.ansible_become_password_env;
    if (typeof env === 'string') return this.opts.env[env];
    return undefined;
  }

  /** Who a session is logged in as: the host's user, the delegate's, or the controller's own. */
  private loginUser(delegatedTo: string | undefined): string {
    if (delegatedTo === undefined) return isLocal(this.opts) ? userInfo().username : this.opts.host.connection.user;
    const target = this.opts.play.connectionOf?.(delegatedTo);
    return target === undefined || target.local ? userInfo().username : target.connection.user;
  }

  private async command(spec: TaskSpec, ctx: Record<string, unknown>, session: Session, target: string | undefined): Promise<Outcome> {
    const a = spec.action;
    if (a.kind !== 'command') return failed('command', 'not a command');
    let command: string;
    let chdir: string | undefined;
    let creates: string | undefined;
    let removes: string | undefined;
    let environment: Array<[string, string]>;
    try {
      command = this.opts.play.renderer.command(spec, ctx);
      const text = (v: string | undefined): string | undefined => (v === undefined ? undefined : String(this.opts.play.renderer.value(v, ctx)));
      chdir = text(a.chdir);
      creates = text(a.creates);
      removes = text(a.removes);
      environment = Object.entries(spec.environment ?? {}).map(([k, v]) => [k, String(this.opts.play.renderer.value(v, ctx))]);
    } catch (err) {
      return failed('template', message(err));
    }
    const timeoutMs = this.timeoutOf(spec);
    const run = (line: string, stdin?: string): Promise<ExecResult> =>
      this.bounded((signal) => session.exec(line, { timeoutMs, signal, ...(stdin !== undefined ? { stdin } : {}) }), timeoutMs);
    try {
      // creates/removes decide whether the command is needed at all, as Ansible's command module does.
      for (const [path, wanted, why] of [[creates, false, 'exists'], [removes, true, 'does not exist']] as const) {
        if (path === undefined) continue;
        const probe = await run(`test -e ${shellQuote(path)}`);
        if ((probe.rc === 0) !== wanted) return { status: 'ok', changed: false, rc: 0, stdout: `skipped, since ${path} ${why}`, stderr: '', error: null, reason: null };
      }
    } catch (err) {
      return this.transportFailure(err);
    }
    if (this.inCheck(spec)) return { ...SKIPPED, would_run: true };
    let line = command;
    if (chdir !== undefined) line = `cd ${shellQuote(chdir)} && ${line}`;
    if (environment.length > 0) line = `${environment.map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('; ')}; ${line}`;
    let become: BecomeCommand | undefined;
    let noPassword = false;
    // Becoming the user already logged in is no change of privilege: Ansible runs the command as it is.
    if (spec.become && spec.become.user !== this.loginUser(target)) {
      const password = this.becomePassword(ctx);
      this.redactor.add(password);
      become = becomeCommand(line, spec.become, password);
      line = become.command;
      if (password === undefined) noPassword = true;
    }
    let res: ExecResult;
    try {
      res = await run(line, become?.stdin);
    } catch (err) {
      return this.transportFailure(err);
    }
    if (become) {
      if (becomeRefused(res.rc, res.stderr, become.prompt)) {
        const how = noPassword ? ' (no become password given: set ansible_become_password or become_password_env)' : '';
        return failed('auth', `become: ${spec.become!.method} to ${spec.become!.user} was refused${how}`, { rc: res.rc, stderr: withoutPrompt(res.stderr, become.prompt) });
      }
      res = { ...res, stderr: withoutPrompt(res.stderr, become.prompt) };
    }
    const seen: Outcome = { status: 'ok', changed: true, rc: res.rc, stdout: res.stdout, stderr: res.stderr, error: null, reason: null };
    const after = { ...ctx, ...registered(seen), ...(spec.register ? { [spec.register]: registered(seen) } : {}) };
    let isFailed: boolean;
    let changed: boolean;
    try {
      isFailed = spec.failedWhen ? this.allTrue(spec.failedWhen, after) : res.rc !== 0;
      changed = spec.changedWhen ? this.allTrue(spec.changedWhen, after) : true;
    } catch (err) {
      return failed('expression', message(err), { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    }
    if (isFailed) {
      const why = spec.failedWhen ? 'failed_when matched' : res.rc === null ? `ended by signal ${res.signal ?? 'unknown'}` : `exit status ${res.rc}`;
      // A command that ran changed something, failed or not, as Ansible's command module reports it.
      return failed('command', why, { rc: res.rc, stdout: res.stdout, stderr: res.stderr, changed });
    }
    return { ...seen, status: changed ? 'changed' : 'ok', changed };
  }

  private async template(spec: TaskSpec, ctx: Record<string, unknown>, session: Session): Promise<Outcome> {
    let rendered: { dest: string; content: string; mode?: string };
    try {
      rendered = this.opts.play.renderer.template(spec, ctx);
    } catch (err) {
      return failed('template', message(err));
    }
    if (spec.become) return this.templateAs(spec, ctx, session, rendered);
    const check = this.inCheck(spec);
    const timeoutMs = this.timeoutOf(spec);
    try {
      const current = await this.bounded(() => session.readFile(rendered.dest, { timeoutMs }), timeoutMs);
      const wanted = Buffer.from(rendered.content, 'utf8');
      const mode = rendered.mode;
      if (current !== null && current.equals(wanted)) {
        const unchanged: Outcome = { status: 'ok', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null };
        if (mode === undefined) return unchanged;
        // A file whose content is right can still have the wrong permissions; `mode` promises both.
        const found = await this.bounded(() => session.stat(rendered.dest, { timeoutMs }), timeoutMs);
        const wantedBits = parseInt(mode, 8) & 0o7777;
        if (found !== null && found.mode === wantedBits) return unchanged;
        if (found !== null) {
          const outcome: Outcome = { ...unchanged, status: 'changed', changed: true };
          if (this.opts.diff || check) outcome.diff = modeOnlyDiff(rendered.dest, found.mode, wantedBits);
          if (!check) await this.bounded(() => session.chmod(rendered.dest, mode, { timeoutMs }), timeoutMs);
          return outcome;
        }
        // Gone between the read and the stat: the upload below puts it back, with its mode.
      }
      const outcome: Outcome = { status: 'changed', changed: true, rc: null, stdout: '', stderr: '', error: null, reason: null };
      if (this.opts.diff || check) {
        outcome.diff = createTwoFilesPatch(rendered.dest, rendered.dest, current?.toString('utf8') ?? '', rendered.content);
      }
      if (!check) {
        await this.bounded(() => session.writeFile(rendered.dest, wanted, { timeoutMs, ...(mode ? { mode } : {}) }), timeoutMs);
      }
      return outcome;
    } catch (err) {
      if (err instanceof TransportError || err instanceof Interrupted) return this.transportFailure(err);
      return failed('template', `${rendered.dest}: ${message(err)}`);
    }
  }

  /**
   * A template written as another user: SFTP runs as the login user, so the file is read and written through
   * the escalated shell instead, the content on standard input after the password.
   */
  private async templateAs(
    spec: TaskSpec,
    ctx: Record<string, unknown>,
    session: Session,
    rendered: { dest: string; content: string; mode?: string },
  ): Promise<Outcome> {
    const become = spec.become!;
    const password = this.becomePassword(ctx);
    this.redactor.add(password);
    const timeoutMs = this.timeoutOf(spec);
    const q = shellQuote(rendered.dest);
    const run = async (line: string, input = ''): Promise<ExecResult & { refused: boolean }> => {
      const wrapped = becomeCommand(line, become, password);
      const res = await this.bounded(
        (signal) => session.exec(wrapped.command, { timeoutMs, signal, stdin: `${wrapped.stdin ?? ''}${input}` }),
        timeoutMs,
      );
      return { ...res, stderr: withoutPrompt(res.stderr, wrapped.prompt), refused: becomeRefused(res.rc, res.stderr, wrapped.prompt) };
    };
    try {
      const read = await run(`if [ -e ${q} ]; then cat -- ${q}; else exit 3; fi`);
      if (read.refused) return failed('auth', `become: ${become.method} to ${become.user} was refused`);
      if (read.rc !== 0 && read.rc !== 3) return failed('template', `${rendered.dest}: ${read.stderr.trim() || `exit status ${read.rc}`}`);
      const current = read.rc === 3 ? null : read.stdout;
      const modeLine = rendered.mode ? await run(`stat -c %a -- ${q}`) : null;
      const modeOk = rendered.mode === undefined || (modeLine !== null && parseInt(modeLine.stdout.trim(), 8) === parseInt(rendered.mode, 8));
      if (current === rendered.content && modeOk) return { status: 'ok', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null };
      const outcome: Outcome = { status: 'changed', changed: true, rc: null, stdout: '', stderr: '', error: null, reason: null };
      if (this.opts.diff || this.inCheck(spec)) outcome.diff = createTwoFilesPatch(rendered.dest, rendered.dest, current ?? '', rendered.content);
      if (this.inCheck(spec)) return outcome;
      const temp = shellQuote(`${rendered.dest}.runbook-tmp`);
      const chmod = rendered.mode ? ` && chmod ${rendered.mode} -- ${temp}` : '';
      const write = await run(`cat > ${temp}${chmod} && mv -f -- ${temp} ${q}`, rendered.content);
      if (write.refused) return failed('auth', `become: ${become.method} to ${become.user} was refused`);
      if (write.rc !== 0) return failed('template', `${rendered.dest}: ${write.stderr.trim() || `exit status ${write.rc}`}`);
      return outcome;
    } catch (err) {
      return this.transportFailure(err);
    }
  }

  private assert(that: string[], msg: string | undefined, successMsg: string | undefined, ctx: Record<string, unknown>): Outcome {
    for (const expr of that) {
      let holds: boolean;
      try {
        holds = this.opts.play.renderer.test(expr, ctx);
      } catch (err) {
        return failed('expression', `${expr}: ${message(err)}`);
      }
      if (!holds) return failed('assert', msg ?? `assertion failed: ${expr}`);
    }
    const said = successMsg ?? 'All assertions passed';
    return { status: 'ok', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null, msg: said };
  }

  private allTrue(exprs: string[], ctx: Record<string, unknown>): boolean {
    return exprs.every((e) => this.opts.play.renderer.test(e, ctx));
  }

  private timeoutOf(spec: TaskSpec): number {
    return spec.timeoutMs ?? this.opts.defaultTaskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
  }

  private bounded<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
    return bounded(work, timeoutMs + BACKSTOP_MS, `no answer within ${timeoutMs} ms`, this.opts.clock, this.opts.abortSignal);
  }

  private transportFailure(err: unknown): Outcome {
    if (err instanceof Interrupted || this.opts.abortSignal?.aborted) return failed('interrupted', 'interrupted');
    if (err instanceof TransportError) return failed(err.reason, err.message);
    return failed('command', message(err));
  }
}

/** What a no_log task shows instead of its output, as Ansible words it. */
const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

function octalMode(bits: number): string {
  return bits.toString(8).padStart(4, '0');
}

/**
 * A patch with headers and no hunks, the mode change on a line of its own before them (where git puts its
 * `old mode`/`new mode` lines), so a reader of --diff sees why an unchanged file was reported changed.
 */
function modeOnlyDiff(dest: string, from: number, to: number): string {
  const patch = createTwoFilesPatch(dest, dest, '', '');
  const at = patch.indexOf('--- ');
  const line = `mode ${octalMode(from)} → ${octalMode(to)}\n`;
  return at < 0 ? line + patch : patch.slice(0, at) + line + patch.slice(at);
}

/**
 * Races `work` against a deadline of our own and the hard-stop signal, so a transport that fails to honour
 * its timeout still cannot hold the host. The signal handed to `work` aborts when either fires.
 */
/** Why a finished operation's deadline timer is cancelled: one shared value, not an error built per call. */
const SETTLED = Symbol('settled');

async function bounded<T>(
  work: (signal: AbortSignal) => Promise<T>,
  deadlineMs: number,
  timeoutMessage: string,
  clock: Clock,
  abortSignal: AbortSignal | undefined,
): Promise<T> {
  const inner = new AbortController();
  const timer = new AbortController();
  const onAbort = () => inner.abort(new Interrupted());
  if (abortSignal?.aborted) throw new Interrupted();
  abortSignal?.addEventListener('abort', onAbort, { once: true });
  const stopped = new Promise<never>((_, reject) => {
    inner.signal.addEventListener('abort', () => reject(inner.signal.reason), { once: true });
  });
  const deadline = clock.sleep(deadlineMs, timer.signal).then(() => {
    inner.abort(new TransportError('timeout', timeoutMessage));
  }, () => undefined);
  stopped.catch(() => undefined);
  try {
    return await Promise.race([work(inner.signal), stopped]);
  } finally {
    timer.abort(SETTLED);
    await deadline;
    abortSignal?.removeEventListener('abort', onAbort);
  }
}

async function closeQuietly(session: Session, clock: Clock): Promise<void> {
  const timer = new AbortController();
  try {
    await Promise.race([session.close().catch(() => undefined), clock.sleep(CLOSE_GRACE_MS, timer.signal).catch(() => undefined)]);
  } finally {
    timer.abort(SETTLED);
  }
}
