import type { ActionHost } from '../actions/action.js';
import { done, failed, Interrupted, message, registered, type Outcome } from '../actions/outcome.js';
import { actionOf } from '../actions/registry.js';
import { isSecretName, redactorFor, type Redactor } from '../playbook/redact.js';
import { TransportError, type Session } from '../transport/transport.js';
import type { TaskSpec } from '../playbook/types.js';
import { iso, type Clock } from './clock.js';
import type { RunContext } from './context.js';
import { hostSecrets, type PlannedHost, type PlannedPlay, type PlannedTask } from './plan-model.js';
import type { FailureReason, HostResult, TaskResult } from './results.js';

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
  const { clock } = ctx;
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

  if (ctx.abortSignal?.aborted) return end('failed', 'interrupted', 'interrupted before it started', []);

  let session: Session;
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
    // ssh_config's ConnectTimeout reaches here only when the play did not write connect_timeout.
    const timeoutMs = host.connection.connectTimeoutMs ?? play.spec.connectTimeoutMs;
    const jumpRate = play.spec.connectRate !== null ? { jumpLoginRate: play.spec.connectRate } : {};
    session = await bounded(
      (signal) =>
        ctx.transport.connect(host.connection, {
          timeoutMs,
          signal,
          ...jumpRate,
          ...(connectSlot ? { connectSlot } : {}),
        }),
      timeoutMs + BACKSTOP_MS,
      `connection not established within ${timeoutMs} ms`,
      clock,
      ctx.abortSignal,
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
    if (err instanceof Interrupted || ctx.abortSignal?.aborted)
      return end('failed', 'interrupted', 'interrupted while connecting', []);
    if (err instanceof TransportError) return end('unreachable', err.reason, err.message, []);
    return end('unreachable', 'unreachable', message(err), []);
  }

  const runner = new TaskRunner(ctx, job, session, redactor);
  try {
    const tasks: TaskResult[] = [];
    let failure: TaskResult | null = null;
    let linkProven = false;
    for (const task of host.tasks) {
      const result = await runner.run(task, false);
      tasks.push(result);
      if (result.status === 'failed' && !result.ignored) {
        failure = result;
        break;
      }
      if (result.status !== 'skipped' || result.would_run) linkProven = true;
    }
    if (failure) {
      const reason = failure.reason ?? 'command';
      if (reason !== 'dropped' && reason !== 'interrupted') {
        for (const task of host.rescue) {
          const result = await runner.run(task, true);
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
    await closeQuietly(session, clock);
  }
}

class TaskRunner {
  private readonly vars: Record<string, unknown>;

  constructor(
    private readonly ctx: RunContext,
    private readonly job: HostJob,
    private readonly session: Session,
    private readonly redactor: Redactor,
  ) {
    this.vars = { ...job.host.vars };
  }

  async run(task: PlannedTask, rescue: boolean): Promise<TaskResult> {
    const { bus, clock } = this.ctx;
    const { play, host } = this.job;
    const spec = task.spec;
    bus.emit({
      type: 'task_start',
      at: iso(clock),
      play: play.name,
      host: host.name,
      task: spec.name,
      index: task.index,
      ...(rescue ? { rescue } : {}),
    });
    const t0 = clock.now();
    let attempts = 0;
    let outcome: Outcome;
    for (;;) {
      attempts += 1;
      outcome = await this.attempt(spec);
      const retryable = outcome.status === 'failed' && outcome.reason !== 'dropped' && outcome.reason !== 'interrupted';
      if (!retryable || attempts > spec.retries) break;
      try {
        await clock.sleep(spec.retryDelayMs, this.ctx.abortSignal);
      } catch {
        outcome = failed('interrupted', 'interrupted while waiting to retry');
        break;
      }
    }
    if (outcome.facts && outcome.status !== 'failed') Object.assign(this.vars, outcome.facts);
    if (spec.register) this.vars[spec.register] = registered(outcome);
    const r = this.redactor;
    // `register: api_token`: what the device answered is the secret, here and wherever a later task shows it.
    if (spec.register && isSecretName(spec.register)) r.addOutput(outcome.stdout).addOutput(outcome.stderr);
    const result: TaskResult = {
      name: spec.name,
      status: outcome.status,
      changed: outcome.changed,
      rc: outcome.rc,
      stdout: r.text(outcome.stdout),
      stderr: r.text(outcome.stderr),
      attempts,
      duration_ms: clock.now() - t0,
      error: outcome.error === null ? null : r.text(outcome.error),
      reason: outcome.reason,
    };
    if (outcome.would_run) result.would_run = true;
    if (outcome.diff !== undefined) result.diff = r.text(outcome.diff);
    if (outcome.network) result.network = { ...outcome.network, lines: outcome.network.lines.map((l) => r.text(l)) };
    if (rescue) result.rescue = true;
    if (outcome.status === 'failed' && spec.ignoreErrors) result.ignored = true;
    bus.emit({ type: 'task_end', at: iso(clock), play: play.name, host: host.name, index: task.index, result });
    return result;
  }

  private async attempt(spec: TaskSpec): Promise<Outcome> {
    if (this.ctx.abortSignal?.aborted) return failed('interrupted', 'interrupted');
    try {
      if (spec.when && !spec.when.every((e) => this.job.play.renderer.test(e, this.vars))) return done('skipped');
    } catch (err) {
      return failed('expression', `when: ${message(err)}`);
    }
    return actionOf(spec.action.kind).run(spec.action, spec, this.actionHost(spec));
  }

  private actionHost(spec: TaskSpec): ActionHost {
    const { ctx } = this;
    const timeoutMs = spec.timeoutMs ?? ctx.defaultTaskTimeoutMs;
    return {
      session: this.session,
      renderer: this.job.play.renderer,
      vars: this.vars,
      check: ctx.check,
      diff: ctx.diff,
      timeoutMs,
      get stopped() {
        return ctx.abortSignal?.aborted ?? false;
      },
      bounded: (work) =>
        bounded(work, timeoutMs + BACKSTOP_MS, `no answer within ${timeoutMs} ms`, ctx.clock, ctx.abortSignal),
    };
  }
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
