import { userInfo } from 'node:os';
import type { ActionHost } from '../actions/action.js';
import {
  done,
  failed,
  Interrupted,
  message,
  registered as registeredBase,
  type Outcome as ActionOutcome,
} from '../actions/outcome.js';
import { actionOf } from '../actions/registry.js';
import { isSecretName, redactorFor, type Redactor } from '../playbook/redact.js';
import { TransportError, type Session } from '../transport/transport.js';
import { structureOf, type TaskSpec } from '../playbook/types.js';
import { batchSync, type BatchSync } from './batch-sync.js';
import { iso, type Clock } from './clock.js';
import type { RunContext } from './context.js';
import { judgeConditions } from './conditions.js';
import { HostFlow, type TaskRunnerLike } from './host-flow.js';
import { loopItems, registeredLoop } from './loop.js';
import { HostFacts, injectedFacts } from './host-facts.js';
import { mergeLayers } from './layers.js';
import { hostSecrets, type PlannedHost, type PlannedPlay } from './plan-model.js';
import type { FailureReason, HostResult, ItemResult, TaskResult } from './results.js';
import { taskSession } from './task-session.js';
import { markData } from '../playbook/template/lazy-vars.js';

/** An action's outcome, and the host it ran on when that was not the task's own. */
type Outcome = ActionOutcome & { delegatedTo?: string };

/** How long past the transport's own deadline we wait before giving up on it ourselves. */
const BACKSTOP_MS = 2_000;
const CLOSE_GRACE_MS = 2_000;

/** One host of one play, as the scheduler hands it over. */
export interface HostJob {
  play: PlannedPlay;
  host: PlannedHost;
  batch: number;
  /** Resolves when this host may open its connection (the play's connect rate). */
  beforeConnect?: () => Promise<void>;
}

/**
 * Registered results, as `register` stores them and expressions read them (with Ansible's line lists). A failure's
 * message is its `msg` unless the action registers Ansible's own (command's "non-zero return code").
 */
function registered(o: Outcome): Record<string, unknown> {
  return {
    ...(o.error !== null ? { msg: o.error } : {}),
    ...registeredBase(o),
  };
}

const SKIPPED: Outcome = done('skipped');

/** Names by which a task is pointed at the controller itself. */
const CONTROLLER = new Set(['localhost', '127.0.0.1', '::1']);
/** A graceful stop came while the host waited for its connect turn: it never connected. */
class StoppedBeforeConnect extends Error {}

/** Waits for `turn`, or for `signal` to abort first; true when stopped. */
async function waitUnlessStopped(turn: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) {
    await turn;
    return false;
  }
  if (signal.aborted) return true;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<true>((resolve) => {
    onAbort = () => resolve(true);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([turn.then(() => signal.aborted), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs one host's tasks over one session. Never throws: an unreachable device, a failing command or an
 * interrupted run all become a HostResult with a reason.
 */
export async function runHost(ctx: RunContext, job: HostJob): Promise<HostResult> {
  const { play, host } = job;
  const sync = batchSync(play, job.batch, play.spec.strategy === 'linear');
  if (sync.order.length === 0) sync.order = play.batches[job.batch - 1] ?? [];
  sync.join(host.name);
  try {
    return await runJoined(ctx, job, sync);
  } finally {
    sync.leave(host.name);
  }
}

async function runJoined(ctx: RunContext, job: HostJob, sync: BatchSync): Promise<HostResult> {
  const { play, host } = job;
  const { clock } = ctx;
  const opts = { ...ctx, ...job };
  const startedAt = clock.now();
  // `password_env` and `passphrase_env` are among the variables, so their values are hidden too.
  const redactor = redactorFor([host.vars], ctx.env, hostSecrets(host));
  const base = { name: host.name, play: play.name, batch: job.batch, started: new Date(startedAt).toISOString() };
  const end = (
    status: HostResult['status'],
    reason: FailureReason | null,
    error: string | null,
    tasks: TaskResult[],
  ): HostResult => ({
    ...base,
    status,
    reason,
    duration_ms: clock.now() - startedAt,
    tasks,
    error: error === null ? null : redactor.text(error),
  });

  if (opts.abortSignal?.aborted) return end('failed', 'interrupted', 'interrupted before it started', []);

  let session: Session;
  // ssh_config's ConnectTimeout reaches here only when the play did not write connect_timeout.
  const timeoutMs = host.connection.connectTimeoutMs ?? play.spec.connectTimeoutMs;
  const jumpRate = play.spec.connectRate !== null ? { jumpLoginRate: play.spec.connectRate } : {};
  // `connection: local` plays run on the controller, as Ansible runs them.
  const connection = play.spec.connection === 'local' ? { ...host.connection, transport: 'local' } : host.connection;
  // The connect rate's turn is taken by the transport right before the TCP connect, so that loading keys
  // and known_hosts cannot bunch connections up at the wire; the backstop timer starts when the turn comes.
  let turnTaken: () => void = () => undefined;
  const turn = new Promise<void>((resolve) => {
    turnTaken = resolve;
  });
  const beforeConnect = job.beforeConnect;
  const connectSlot = beforeConnect
    ? async (): Promise<void> => {
        // A graceful stop (the first Ctrl-C) starts no new connection: a host still queued behind the connect
        // rate leaves the queue at once instead of connecting when its turn comes.
        if (await waitUnlessStopped(beforeConnect(), ctx.signal)) throw new StoppedBeforeConnect();
        turnTaken();
      }
    : undefined;
  if (!connectSlot) turnTaken();
  try {
    if (ctx.abortSignal?.aborted) throw new Interrupted();
    session = await bounded(
      (signal) =>
        opts.transport.connect(connection, {
          timeoutMs,
          signal,
          ...jumpRate,
          ...(connectSlot ? { connectSlot } : {}),
        }),
      timeoutMs + BACKSTOP_MS,
      `connection not established within ${timeoutMs} ms`,
      clock,
      opts.abortSignal,
      turn,
    );
  } catch (err) {
    if (err instanceof StoppedBeforeConnect) {
      return {
        ...base,
        started: null,
        status: 'skipped',
        reason: 'interrupted',
        duration_ms: 0,
        tasks: [],
        error: null,
      };
    }
    if (err instanceof Interrupted || opts.abortSignal?.aborted)
      return end('failed', 'interrupted', 'interrupted while connecting', []);
    if (err instanceof TransportError) return end('unreachable', err.reason, err.message, []);
    return end('unreachable', 'unreachable', message(err), []);
  }

  // meta reset_connection: a fresh connection to the same host, under the same timeout (no connect-rate turn:
  // the host already holds its place in the rollout).
  const reconnect = (): Promise<Session> =>
    bounded(
      (signal) => opts.transport.connect(connection, { timeoutMs, signal, ...jumpRate }),
      timeoutMs + BACKSTOP_MS,
      `connection not established within ${timeoutMs} ms`,
      clock,
      opts.abortSignal,
    );
  const runner = new TaskRunner(opts, session, redactor, reconnect);
  try {
    const tasks: TaskResult[] = [];
    const flow = new HostFlow(runner, {
      host: host.name,
      tasks: host.tasks.map((t) => t.spec),
      handlers: play.spec.handlers ?? [],
      sync,
      forceHandlers: opts.forceHandlers === true,
      anyErrorsFatal: play.spec.anyErrorsFatal === true,
      maxFailPercentage: play.spec.maxFailPercentage,
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
    await runner.close();
  }
}

type HostRunOptions = RunContext & HostJob;

function isLocal(opts: HostRunOptions): boolean {
  return opts.play.spec.connection === 'local' || opts.host.connection.transport === 'local';
}

class TaskRunner implements TaskRunnerLike {
  private readonly base: Record<string, unknown>;
  /** Registered results and include_vars: above every other variable but a loop's. */
  private readonly facts: Record<string, unknown> = {};
  private readonly delegates = new Map<string, Promise<Session>>();
  private index = 0;

  /** The host's own connection; meta reset_connection replaces it with one that opens anew. */
  private session: Promise<Session>;
  /** Gathered facts of every host in this run (one store per run; a host's own when run alone). */
  private readonly hostFacts: HostFacts;
  private shadowed: Record<string, unknown> | undefined;

  constructor(
    private readonly opts: HostRunOptions,
    session: Session,
    private readonly redactor: Redactor,
    private readonly reconnect: () => Promise<Session>,
  ) {
    this.base = { ...opts.host.vars };
    this.session = Promise.resolve(session);
    this.hostFacts = opts.hostFacts ?? new HostFacts();
  }

  /**
   * meta reset_connection: closes the host's connection, so the next task runs over a new one (as Ansible's
   * reset closes its persistent ssh master). A connection that cannot be opened again fails that next task.
   */
  async resetConnection(): Promise<void> {
    const old = await this.session.catch(() => null);
    if (old) await closeQuietly(old, this.opts.clock);
    const next = this.reconnect();
    // Whoever awaits it sees the failure; an unused rejection must not end the process.
    next.catch(() => undefined);
    this.session = next;
  }

  clearFacts(): void {
    this.hostFacts.forget(this.opts.play.hosts.keys());
  }

  async close(): Promise<void> {
    const session = await this.session.catch(() => null);
    if (session) await closeQuietly(session, this.opts.clock);
  }

  /**
   * Names a gathered fact does not replace as an `ansible_*` variable: play vars rank above facts, and the
   * inventory's network_os says how the host is reached, which the device's answer about itself must not change.
   */
  private get shadowing(): Record<string, unknown> {
    this.shadowed ??= { ...this.opts.play.spec.vars, ansible_network_os: true };
    return this.shadowed;
  }

  /**
   * Ansible's precedence, lowest first: role defaults, inventory vars, gathered facts (as `ansible_*`), play
   * vars, block/role/task vars, set_fact and registered results, extra vars (-e), loop. Facts are added only
   * once a host has some, so a play that gathers none pays nothing for them.
   */
  private context(task: TaskSpec, scope: Record<string, unknown>): Record<string, unknown> {
    const { host, play } = this.opts;
    const extra = play.extraVars ?? {};
    if (this.hostFacts.empty) return mergeLayers(task.defaults, this.base, task.vars, this.facts, extra, scope);
    const own = this.hostFacts.of(host.name);
    const planned = this.base.hostvars;
    const seen: Record<string, unknown> = { ansible_facts: own };
    if (planned && typeof planned === 'object')
      seen.hostvars = this.hostFacts.hostvars(play, planned as Record<string, unknown>, this.shadowing);
    return mergeLayers(
      task.defaults,
      this.base,
      injectedFacts(own, this.shadowing),
      seen,
      task.vars,
      this.facts,
      extra,
      scope,
    );
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

  render(task: TaskSpec, text: string, scope: Record<string, unknown>): string | Error {
    try {
      return String(this.opts.play.renderer.value(text, this.context(task, scope)));
    } catch (err) {
      return new Error(message(err));
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
    return {
      name: task.name,
      status: 'skipped',
      changed: false,
      rc: null,
      stdout: '',
      stderr: '',
      attempts: 0,
      duration_ms: 0,
      error: null,
      reason: null,
    };
  }

  announce(task: TaskSpec, result: TaskResult): void {
    const { bus, clock, play, host } = this.opts;
    const index = this.index++;
    bus.emit({ type: 'task_start', at: iso(clock), play: play.name, host: host.name, task: task.name, index });
    bus.emit({ type: 'task_end', at: iso(clock), play: play.name, host: host.name, index, result });
  }

  async run(
    spec: TaskSpec,
    scope: Record<string, unknown>,
    flags: { handler?: boolean; rescue?: boolean },
  ): Promise<TaskResult> {
    const { bus, clock, play, host } = this.opts;
    const index = this.index++;
    const rescue = flags.rescue === true;
    bus.emit({
      type: 'task_start',
      at: iso(clock),
      play: play.name,
      host: host.name,
      task: spec.name,
      index,
      ...(rescue ? { rescue } : {}),
    });
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
      // Variables an action sets (set_fact) reach later tasks, as Ansible's facts do.
      if (outcome.facts && outcome.status !== 'failed') Object.assign(this.facts, outcome.facts);
      if (outcome.ansibleFacts && outcome.status !== 'failed') this.hostFacts.merge(host.name, outcome.ansibleFacts);
      // A task that retried (until, retries) registers how many attempts it took, as Ansible does.
      if (spec.register)
        this.facts[spec.register] = markData({
          ...registered(outcome),
          ...(spec.until || spec.retries > 0 ? { attempts } : {}),
        });
    }
    const r = this.redactor;
    // `register: api_token`: what the device answered is the secret, here and wherever a later task shows it.
    if (spec.register && isSecretName(spec.register)) r.addOutput(outcome.stdout).addOutput(outcome.stderr);
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
    const backup = outcome.data?.backup_file;
    if (typeof backup === 'string' && !hidden) result.backup_file = r.text(backup);
    if (outcome.network && !hidden)
      result.network = { ...outcome.network, lines: outcome.network.lines.map((l) => r.text(l)) };
    if (rescue) result.rescue = true;
    if (flags.handler) result.handler = true;
    if (outcome.delegatedTo !== undefined) result.delegated_to = outcome.delegatedTo;
    if (items)
      result.items = hidden
        ? items.map((i) => ({
            ...i,
            label: NO_LOG_MESSAGE,
            stdout: '',
            stderr: '',
            error: i.error === null ? null : NO_LOG_MESSAGE,
          }))
        : items;
    if (outcome.status === 'failed' && spec.ignoreErrors) result.ignored = true;
    bus.emit({ type: 'task_end', at: iso(clock), play: play.name, host: host.name, index, result });
    return result;
  }

  /** Every item of a loop (a failed item does not stop the others, as in Ansible), folded into one outcome. */
  private async loop(
    spec: TaskSpec,
    ctx: Record<string, unknown>,
  ): Promise<{ outcome: Outcome; attempts: number; items: ItemResult[] }> {
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
    // What earlier items set (set_fact in a loop), seen by the next items as Ansible's facts are.
    const loopFacts: Record<string, unknown> = {};
    for (const item of listed.items) {
      if (item.index > 0 && loop.pauseMs > 0)
        await this.opts.clock.sleep(loop.pauseMs, this.opts.abortSignal).catch(() => undefined);
      const itemCtx = mergeLayers(ctx, loopFacts, item.vars);
      const one = await this.attempts(spec, itemCtx);
      attempts += one.attempts;
      delegatedTo ??= one.outcome.delegatedTo;
      const o = one.outcome;
      if (o.facts && o.status !== 'failed') {
        Object.assign(loopFacts, o.facts);
        Object.assign(this.facts, o.facts);
      }
      results.push({
        ...registered(o),
        [loop.loopVar]: item.item,
        item: item.item,
        ansible_loop_var: loop.loopVar,
        ...(loop.indexVar ? { [loop.indexVar]: item.index } : {}),
      });
      items.push({
        label: this.label(loop.label, itemCtx, item.item),
        status: o.status,
        changed: o.changed,
        rc: o.rc,
        stdout: this.redactor.text(o.stdout),
        stderr: this.redactor.text(o.stderr),
        error: o.error === null ? null : this.redactor.text(o.error),
      });
      if (o.status === 'failed' && firstFailure === null) firstFailure = o;
      if (o.reason === 'dropped' || o.reason === 'interrupted') break;
    }
    if (spec.register) this.facts[spec.register] = markData(registeredLoop(results));
    const changed = items.some((i) => i.changed);
    const allSkipped = items.every((i) => i.status === 'skipped');
    let outcome: Outcome;
    if (firstFailure) {
      outcome = {
        ...firstFailure,
        changed,
        error:
          `${items.filter((i) => i.status === 'failed').length} of ${items.length} items failed: ` +
          (firstFailure.error ?? ''),
      };
    } else if (allSkipped) {
      outcome = { ...SKIPPED, ...(items.some((i) => i.status === 'skipped') && items.length > 0 ? {} : {}) };
      if (items.length > 0 && this.opts.check && spec.checkMode !== 'run') outcome.would_run = true;
    } else {
      outcome = {
        status: changed ? 'changed' : 'ok',
        changed,
        rc: null,
        stdout: '',
        stderr: '',
        error: null,
        reason: null,
      };
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
  private async attempts(
    spec: TaskSpec,
    ctx: Record<string, unknown>,
  ): Promise<{ outcome: Outcome; attempts: number }> {
    let attempts = 0;
    let outcome: Outcome;
    for (;;) {
      attempts += 1;
      outcome = await this.attempt(spec, ctx);
      if (
        spec.until &&
        outcome.status !== 'skipped' &&
        outcome.reason !== 'dropped' &&
        outcome.reason !== 'interrupted'
      ) {
        const seen = { ...registered(outcome), attempts };
        let holds: boolean;
        try {
          holds = this.allTrue(spec.until, {
            ...ctx,
            ...seen,
            ...(spec.register ? { [spec.register]: markData(seen) } : {}),
          });
        } catch (err) {
          outcome = failed('expression', `until: ${message(err)}`, {
            rc: outcome.rc,
            stdout: outcome.stdout,
            stderr: outcome.stderr,
          });
          break;
        }
        if (holds) break;
        if (attempts > spec.retries) {
          outcome = failed(outcome.reason ?? 'command', `until did not hold after ${attempts} attempts`, {
            rc: outcome.rc,
            stdout: outcome.stdout,
            stderr: outcome.stderr,
            changed: outcome.changed,
          });
          break;
        }
      } else {
        const retryable =
          outcome.status === 'failed' &&
          outcome.reason !== 'dropped' &&
          outcome.reason !== 'interrupted' &&
          outcome.reason !== 'auth';
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
    const acted = await this.act(spec, ctx, target.session, target.delegatedTo);
    const outcome: Outcome = judgeConditions(acted, spec, registered, (e, v) => this.allTrue(e, v), ctx);
    if (target.delegatedTo !== undefined) outcome.delegatedTo = target.delegatedTo;
    return outcome;
  }

  private act(
    spec: TaskSpec,
    ctx: Record<string, unknown>,
    session: Session,
    delegatedTo: string | undefined,
  ): Promise<Outcome> {
    if (structureOf(spec.action) !== null) {
      // Blocks, includes and meta are the host flow's; they never reach an action.
      return Promise.resolve(failed('command', `${spec.action.kind} cannot run as a single task`));
    }
    // Becoming the user already logged in is no change of privilege: Ansible runs the command as it is.
    const become = spec.become && spec.become.user !== this.loginUser(delegatedTo) ? spec.become : undefined;
    const password = become ? this.becomePassword(ctx) : undefined;
    this.redactor.add(password);
    let environment: Record<string, string>;
    try {
      environment = Object.fromEntries(
        Object.entries(spec.environment ?? {}).map(([k, v]) => [k, String(this.opts.play.renderer.value(v, ctx))]),
      );
    } catch (err) {
      return Promise.resolve(failed('template', message(err)));
    }
    const escalated = taskSession(session, {
      environment,
      ...(become ? { become } : {}),
      ...(password !== undefined ? { password } : {}),
    });
    return actionOf(spec.action.kind).run(spec.action, spec, this.actionHost(spec, ctx, escalated));
  }

  private actionHost(spec: TaskSpec, vars: Record<string, unknown>, session: Session): ActionHost {
    const { opts } = this;
    const timeoutMs = spec.timeoutMs ?? opts.defaultTaskTimeoutMs;
    return {
      session,
      renderer: opts.play.renderer,
      vars,
      check: this.inCheck(spec),
      diff: opts.diff,
      timeoutMs,
      get stopped() {
        return opts.abortSignal?.aborted ?? false;
      },
      bounded: (work) =>
        bounded(work, timeoutMs + BACKSTOP_MS, `no answer within ${timeoutMs} ms`, opts.clock, opts.abortSignal),
    };
  }

  /** The session a task runs over: the host's own, or the delegate's (opened once per host run). */
  private async target(
    spec: TaskSpec,
    ctx: Record<string, unknown>,
  ): Promise<{ session: Session; delegatedTo?: string }> {
    if (spec.delegateTo === undefined) return { session: await this.session };
    const name = this.opts.play.renderer.value(spec.delegateTo, ctx);
    if (typeof name !== 'string' || name === '')
      throw new Error(`delegate_to: expected a host name, got ${JSON.stringify(name)}`);
    if (name === this.opts.host.name && !CONTROLLER.has(name)) {
      return { session: await this.session, delegatedTo: name };
    }
    let pending = this.delegates.get(name);
    if (!pending) {
      pending = this.openDelegate(name);
      this.delegates.set(name, pending);
    }
    return { session: await pending, delegatedTo: name };
  }

  private async openDelegate(name: string): Promise<Session> {
    const target = this.opts.play.connectionOf?.(name);
    if (target === undefined) throw new Error(`delegate_to: "${name}" is not an inventory host (nor localhost)`);
    const timeoutMs = this.opts.play.spec.connectTimeoutMs;
    return bounded(
      (signal) => this.opts.transport.connect(target, { timeoutMs, signal }),
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

  /** --check for this task: the run's, or `check_mode: true` on the task (`check_mode: false` is `run`). */
  private inCheck(spec: TaskSpec): boolean {
    return spec.checkMode === 'always' || this.opts.check;
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
    return target === undefined || target.transport === 'local' ? userInfo().username : target.user;
  }

  private allTrue(exprs: string[], ctx: Record<string, unknown>): boolean {
    return exprs.every((e) => this.opts.play.renderer.test(e, ctx));
  }
}

/** What a no_log task shows instead of its output, as Ansible words it. */
const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

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
  /** When the deadline starts counting; at once when absent. */
  startAfter?: Promise<void>,
): Promise<T> {
  const inner = new AbortController();
  const timer = new AbortController();
  const onAbort = () => inner.abort(new Interrupted());
  if (abortSignal?.aborted) throw new Interrupted();
  abortSignal?.addEventListener('abort', onAbort, { once: true });
  const stopped = new Promise<never>((_, reject) => {
    inner.signal.addEventListener('abort', () => reject(inner.signal.reason), { once: true });
  });
  const settled = new Promise<void>((resolve) =>
    timer.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const begun = startAfter ? Promise.race([startAfter, settled]) : Promise.resolve();
  const deadline = begun
    .then(() => clock.sleep(deadlineMs, timer.signal))
    .then(
      () => {
        inner.abort(new TransportError('timeout', timeoutMessage));
      },
      () => undefined,
    );
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
    await Promise.race([
      session.close().catch(() => undefined),
      clock.sleep(CLOSE_GRACE_MS, timer.signal).catch(() => undefined),
    ]);
  } finally {
    timer.abort(SETTLED);
  }
}
