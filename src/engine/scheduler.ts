import PQueue from 'p-queue';
import type { Transport } from '../transport/transport.js';
import { Breaker } from './breaker.js';
import { iso, type Clock } from './clock.js';
import { ConsecutiveFailures } from './consecutive.js';
import type { EventBus } from './events.js';
import { runHost } from './host-runner.js';
import type { PlannedHost, PlannedPlay } from './plan.js';
import { FailureBudget } from './policy.js';
import type { FailureReason, Halted, HaltReason, HostResult } from './results.js';

export interface SchedulerOptions {
  transport: Transport;
  bus: EventBus;
  clock: Clock;
  check: boolean;
  diff: boolean;
  env: NodeJS.ProcessEnv;
  /** Overrides every play's `forks`. */
  forks?: number;
  /** Graceful stop: no new host starts; in-flight hosts finish. */
  signal?: AbortSignal;
  /** Hard stop: in-flight hosts end now. */
  abortSignal?: AbortSignal;
  defaultTaskTimeoutMs?: number;
}

/** A breaker and the hosts of its scope waiting for it (on_open: wait), which hold no fork slot meanwhile. */
interface Scope {
  label: string;
  breaker: Breaker;
  waiting: string[];
  /** Pending wake-up at the end of the cooldown, if one is armed. */
  cooldown: AbortController | null;
}

/** A host that failed or was unreachable; an interrupted host says nothing about the device. */
export function countsAsFailure(r: HostResult): boolean {
  return (r.status === 'failed' || r.status === 'unreachable') && r.reason !== 'interrupted';
}

/**
 * Decides when each host runs: plays and batches in order, at most `forks` hosts at once, new connections
 * at most `connect_rate` per second, each host attempt guarded by its scope's breaker, and the failure
 * budget able to halt the rollout. Every targeted host ends with exactly one host_end event.
 */
export class Scheduler {
  private halt: Halted | null = null;
  private readonly budget = new FailureBudget({ maxFailures: null, maxFailPercentage: null });
  private currentBatch = 0;
  /** Wakes every host of the running batch that waits on a breaker, so a halt can settle them. */
  private wakeAll: () => void = () => undefined;

  constructor(private readonly opts: SchedulerOptions) {
    const stop = () => this.stop('interrupted');
    for (const s of [opts.signal, opts.abortSignal]) {
      if (s?.aborted) stop();
      else s?.addEventListener('abort', stop, { once: true });
    }
  }

  get halted(): Halted | null {
    return this.halt;
  }

  async runPlay(play: PlannedPlay): Promise<void> {
    const { bus, clock } = this.opts;
    const hosts = play.batches.flat();
    bus.emit({ type: 'play_start', at: iso(clock), play: play.name, index: play.index, hosts, batches: play.batches });
    this.budget.setLimits({ maxFailures: play.spec.maxFailures, maxFailPercentage: play.spec.maxFailPercentage });
    const scopes = new Map<string, Scope>();
    const gate = connectGate(play.spec.connectRate);

    for (const [i, names] of play.batches.entries()) {
      const batch = i + 1;
      if (this.halt) {
        for (const name of names) this.skip(play, batch, name, this.skipReason());
        continue;
      }
      this.currentBatch = batch;
      bus.emit({ type: 'batch_start', at: iso(clock), play: play.name, batch, batches: play.batches.length, hosts: names });
      const results = await this.runBatch(play, batch, names, scopes, gate);
      const failed = results.filter(countsAsFailure).length;
      bus.emit({ type: 'batch_end', at: iso(clock), play: play.name, batch, failed, total: names.length });
      const reason = this.budget.batchEnded(failed, names.length);
      if (reason) this.stop(reason, play);
    }
    bus.emit({ type: 'play_end', at: iso(clock), play: play.name });
  }

  private runBatch(play: PlannedPlay, batch: number, names: string[], scopes: Map<string, Scope>, gate: (() => Promise<void>) | undefined): Promise<HostResult[]> {
    const { bus, clock } = this.opts;
    const forks = this.opts.forks ?? play.spec.forks;
    const queue = new PQueue({ concurrency: Math.max(1, forks) });
    const results: HostResult[] = [];
    const waitingScopes = new Set<Scope>();

    return new Promise((resolve) => {
      const finish = (result: HostResult) => {
        bus.emit({ type: 'host_end', at: iso(clock), result });
        results.push(result);
        if (results.length === names.length) {
          this.wakeAll = () => undefined;
          for (const s of scopes.values()) s.cooldown?.abort();
          resolve(results);
        }
      };
      const enqueue = (name: string) => void queue.add(() => attempt(name));
      const wake = (scope: Scope) => {
        const woken = scope.waiting.splice(0);
        if (woken.length === 0) return;
        waitingScopes.delete(scope);
        woken.forEach(enqueue);
      };
      this.wakeAll = () => [...waitingScopes].forEach(wake);

      const attempt = async (name: string): Promise<void> => {
        const host = play.hosts.get(name);
        if (this.halt || !host) {
          finish(skipped(play, batch, name, host ? this.skipReason() : 'halted'));
          return;
        }
        const scope = this.scopeOf(play, host, scopes);
        const admission = scope?.breaker.tryAcquire();
        if (scope && admission && !admission.admitted) {
          if (play.spec.breaker?.onOpen !== 'wait') {
            finish(skipped(play, batch, name, 'breaker_open'));
            return;
          }
          scope.waiting.push(name);
          waitingScopes.add(scope);
          if (admission.retryAt !== null) this.armCooldown(scope, admission.retryAt, () => wake(scope));
          return;
        }
        bus.emit({ type: 'host_start', at: iso(clock), play: play.name, batch, host: name });
        const result = await runHost({
          play,
          host,
          batch,
          transport: this.opts.transport,
          bus,
          clock,
          check: this.opts.check,
          diff: this.opts.diff,
          env: this.opts.env,
          ...(gate ? { beforeConnect: gate } : {}),
          ...(this.opts.abortSignal ? { abortSignal: this.opts.abortSignal } : {}),
          ...(this.opts.defaultTaskTimeoutMs ? { defaultTaskTimeoutMs: this.opts.defaultTaskTimeoutMs } : {}),
        });
        if (scope && admission?.admitted) {
          if (result.reason === 'interrupted') scope.breaker.release(admission.permit);
          else if (countsAsFailure(result)) scope.breaker.failure(admission.permit);
          else scope.breaker.success(admission.permit);
        }
        const budgetReason = this.budget.hostEnded(countsAsFailure(result));
        if (budgetReason) this.stop(budgetReason, play);
        finish(result);
        // Whatever this host's outcome did to its breaker, hosts waiting on it must ask again.
        if (scope) wake(scope);
      };

      if (names.length === 0) resolve([]);
      names.forEach(enqueue);
    });
  }

  private armCooldown(scope: Scope, at: number, wake: () => void): void {
    if (scope.cooldown) return;
    const timer = new AbortController();
    scope.cooldown = timer;
    this.opts.clock.sleep(Math.max(0, at - this.opts.clock.now()), timer.signal).then(
      () => {
        scope.cooldown = null;
        wake();
      },
      () => {
        if (scope.cooldown === timer) scope.cooldown = null;
      },
    );
  }

  private scopeOf(play: PlannedPlay, host: PlannedHost, scopes: Map<string, Scope>): Scope | null {
    const spec = play.spec.breaker;
    if (!spec) return null;
    const label = spec.scope === 'play' ? 'play' : `${spec.scope}=${scopeValue(host.vars[spec.scope])}`;
    let scope = scopes.get(label);
    if (!scope) {
      const { bus, clock } = this.opts;
      scope = {
        label,
        waiting: [],
        cooldown: null,
        breaker: new Breaker({
          rule: new ConsecutiveFailures(spec.failureThreshold),
          successThreshold: spec.successThreshold,
          cooldownMs: spec.cooldownMs,
          clock,
          onTransition: (from, to, at) =>
            bus.emit({ type: 'breaker', at: new Date(at).toISOString(), play: play.name, scope: label, from, to }),
        }),
      };
      scopes.set(label, scope);
    }
    return scope;
  }

  private stop(reason: HaltReason, play?: PlannedPlay): void {
    if (this.halt) return;
    this.halt = { reason, batch: this.currentBatch };
    this.opts.bus.emit({ type: 'halt', at: iso(this.opts.clock), play: play?.name ?? '', halted: this.halt });
    this.wakeAll();
  }

  private skipReason(): FailureReason {
    return this.halt?.reason === 'interrupted' ? 'interrupted' : 'halted';
  }

  private skip(play: PlannedPlay, batch: number, name: string, reason: FailureReason): void {
    this.opts.bus.emit({ type: 'host_end', at: iso(this.opts.clock), result: skipped(play, batch, name, reason) });
  }
}

function skipped(play: PlannedPlay, batch: number, name: string, reason: FailureReason): HostResult {
  return { name, play: play.name, batch, status: 'skipped', reason, started: null, duration_ms: 0, tasks: [], error: null };
}

function scopeValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * The connect-rate cap: a sliding window of `rate` connections per second. Fractional rates below one
 * become one connection per 1/rate seconds.
 */
function connectGate(rate: number | null): (() => Promise<void>) | undefined {
  if (rate === null || !(rate > 0)) return undefined;
  const queue =
    rate >= 1
      ? new PQueue({ intervalCap: Math.floor(rate), interval: 1_000, strict: true })
      : new PQueue({ intervalCap: 1, interval: Math.round(1_000 / rate), strict: true });
  return async () => {
    await queue.add(() => undefined);
  };
}
