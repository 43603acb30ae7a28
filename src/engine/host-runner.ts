import { createTwoFilesPatch } from 'diff';
import { redactorFor, type Redactor } from '../playbook/redact.js';
import { TransportError, type Session } from '../transport/transport.js';
import type { TaskSpec } from '../playbook/types.js';
import { iso, type Clock } from './clock.js';
import type { RunContext } from './context.js';
import type { PlannedHost, PlannedPlay, PlannedTask } from './plan-model.js';
import type { FailureReason, HostResult, TaskResult, TaskStatus } from './results.js';

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
}

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Registered results, as `register` stores them and expressions read them. */
function registered(o: Outcome): Record<string, unknown> {
  return { stdout: o.stdout, stderr: o.stderr, rc: o.rc, changed: o.changed, failed: o.status === 'failed', skipped: o.status === 'skipped' };
}

function failed(reason: FailureReason, error: string, partial: Partial<Outcome> = {}): Outcome {
  return { status: 'failed', changed: false, rc: null, stdout: '', stderr: '', error, reason, ...partial };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  const redactor = redactorFor([host.vars], ctx.env);
  const base = { name: host.name, play: play.name, batch: job.batch, started: new Date(startedAt).toISOString() };
  const end = (status: HostResult['status'], reason: FailureReason | null, error: string | null, tasks: TaskResult[]): HostResult => ({
    ...base,
    status,
    reason,
    duration_ms: clock.now() - startedAt,
    tasks,
    error: error === null ? null : redactor.text(error),
  });

  if (ctx.abortSignal?.aborted) return end('failed', 'interrupted', 'interrupted before it started', []);

  let session: Session;
  try {
    await job.beforeConnect?.();
    if (ctx.abortSignal?.aborted) throw new Interrupted();
    const timeoutMs = play.spec.connectTimeoutMs;
    session = await bounded(
      (signal) => ctx.transport.connect(host.connection, { timeoutMs, signal }),
      timeoutMs + BACKSTOP_MS,
      `connection not established within ${timeoutMs} ms`,
      clock,
      ctx.abortSignal,
    );
  } catch (err) {
    if (err instanceof Interrupted || ctx.abortSignal?.aborted) return end('failed', 'interrupted', 'interrupted while connecting', []);
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
    bus.emit({ type: 'task_start', at: iso(clock), play: play.name, host: host.name, task: spec.name, index: task.index, ...(rescue ? { rescue } : {}) });
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
    if (spec.register) this.vars[spec.register] = registered(outcome);
    const r = this.redactor;
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
    if (rescue) result.rescue = true;
    if (outcome.status === 'failed' && spec.ignoreErrors) result.ignored = true;
    bus.emit({ type: 'task_end', at: iso(clock), play: play.name, host: host.name, index: task.index, result });
    return result;
  }

  private async attempt(spec: TaskSpec): Promise<Outcome> {
    if (this.ctx.abortSignal?.aborted) return failed('interrupted', 'interrupted');
    try {
      if (spec.when && !this.allTrue(spec.when, this.vars)) {
        return { status: 'skipped', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null };
      }
    } catch (err) {
      return failed('expression', `when: ${message(err)}`);
    }
    switch (spec.action.kind) {
      case 'command':
        return this.command(spec);
      case 'template':
        return this.template(spec);
      case 'assert':
        return this.assert(spec.action.that, spec.action.msg);
    }
  }

  private async command(spec: TaskSpec): Promise<Outcome> {
    let command: string;
    try {
      command = this.job.play.renderer.command(spec, this.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    if (this.ctx.check && spec.checkMode !== 'run') {
      return { status: 'skipped', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null, would_run: true };
    }
    const timeoutMs = this.timeoutOf(spec);
    let res;
    try {
      res = await this.bounded((signal) => this.session.exec(command, { timeoutMs, signal }), timeoutMs);
    } catch (err) {
      return this.transportFailure(err);
    }
    const seen: Outcome = { status: 'ok', changed: true, rc: res.rc, stdout: res.stdout, stderr: res.stderr, error: null, reason: null };
    const ctx = { ...this.vars, ...registered(seen), ...(spec.register ? { [spec.register]: registered(seen) } : {}) };
    let isFailed: boolean;
    let changed: boolean;
    try {
      isFailed = spec.failedWhen ? this.allTrue(spec.failedWhen, ctx) : res.rc !== 0;
      changed = spec.changedWhen ? this.allTrue(spec.changedWhen, ctx) : true;
    } catch (err) {
      return failed('expression', message(err), { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    }
    if (isFailed) {
      const why = spec.failedWhen ? 'failed_when matched' : res.rc === null ? `ended by signal ${res.signal ?? 'unknown'}` : `exit status ${res.rc}`;
      return failed('command', why, { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    }
    return { ...seen, status: changed ? 'changed' : 'ok', changed };
  }

  private async template(spec: TaskSpec): Promise<Outcome> {
    let rendered: { dest: string; content: string; mode?: string };
    try {
      rendered = this.job.play.renderer.template(spec, this.vars);
    } catch (err) {
      return failed('template', message(err));
    }
    const timeoutMs = this.timeoutOf(spec);
    try {
      const current = await this.bounded(() => this.session.readFile(rendered.dest, { timeoutMs }), timeoutMs);
      const wanted = Buffer.from(rendered.content, 'utf8');
      const mode = rendered.mode;
      if (current !== null && current.equals(wanted)) {
        const unchanged: Outcome = { status: 'ok', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null };
        if (mode === undefined) return unchanged;
        // A file whose content is right can still have the wrong permissions; `mode` promises both.
        const found = await this.bounded(() => this.session.stat(rendered.dest, { timeoutMs }), timeoutMs);
        const wantedBits = parseInt(mode, 8) & 0o7777;
        if (found !== null && found.mode === wantedBits) return unchanged;
        if (found !== null) {
          const outcome: Outcome = { ...unchanged, status: 'changed', changed: true };
          if (this.ctx.diff || this.ctx.check) outcome.diff = modeOnlyDiff(rendered.dest, found.mode, wantedBits);
          if (!this.ctx.check) await this.bounded(() => this.session.chmod(rendered.dest, mode, { timeoutMs }), timeoutMs);
          return outcome;
        }
        // Gone between the read and the stat: the upload below puts it back, with its mode.
      }
      const outcome: Outcome = { status: 'changed', changed: true, rc: null, stdout: '', stderr: '', error: null, reason: null };
      if (this.ctx.diff || this.ctx.check) {
        outcome.diff = createTwoFilesPatch(rendered.dest, rendered.dest, current?.toString('utf8') ?? '', rendered.content);
      }
      if (!this.ctx.check) {
        await this.bounded(() => this.session.writeFile(rendered.dest, wanted, { timeoutMs, ...(mode ? { mode } : {}) }), timeoutMs);
      }
      return outcome;
    } catch (err) {
      if (err instanceof TransportError || err instanceof Interrupted) return this.transportFailure(err);
      return failed('template', `${rendered.dest}: ${message(err)}`);
    }
  }

  private assert(that: string[], msg: string | undefined): Outcome {
    for (const expr of that) {
      let holds: boolean;
      try {
        holds = this.job.play.renderer.test(expr, this.vars);
      } catch (err) {
        return failed('expression', `${expr}: ${message(err)}`);
      }
      if (!holds) return failed('assert', msg ?? `assertion failed: ${expr}`);
    }
    return { status: 'ok', changed: false, rc: null, stdout: '', stderr: '', error: null, reason: null };
  }

  private allTrue(exprs: string[], ctx: Record<string, unknown>): boolean {
    return exprs.every((e) => this.job.play.renderer.test(e, ctx));
  }

  private timeoutOf(spec: TaskSpec): number {
    return spec.timeoutMs ?? this.ctx.defaultTaskTimeoutMs;
  }

  private bounded<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
    return bounded(work, timeoutMs + BACKSTOP_MS, `no answer within ${timeoutMs} ms`, this.ctx.clock, this.ctx.abortSignal);
  }

  private transportFailure(err: unknown): Outcome {
    if (err instanceof Interrupted || this.ctx.abortSignal?.aborted) return failed('interrupted', 'interrupted');
    if (err instanceof TransportError) return failed(err.reason, err.message);
    return failed('command', message(err));
  }
}

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
