import PQueue from 'p-queue';
import { Breaker, type Permit } from './breaker.js';
import { iso } from './clock.js';
import { ConsecutiveFailures } from './consecutive.js';
import { runHost, type RunContext } from './host-runner.js';
import type { PlannedHost, PlannedPlay } from './plan-model.js';
import { FailureBudget } from './policy.js';
import type { FailureReason, Halted, HaltReason, HostResult } from './results.js';

export interface SchedulerOptions extends RunContext {
  /** Overrides every play's `forks`. */
  forks?: number;
  /** Graceful stop: no new host starts; in-flight hosts finish. */
  signal?: AbortSignal;
}

/** A breaker and what the scheduler knows about its scope beyond the breaker's own state. */
interface Scope {
  label: string;
  breaker: Breaker;
  /** Changes of state of the breaker so far; a host's outcome counts only in the period it was admitted in. */
  period: number;
  /** Hosts admitted while closed in the current period and still in flight: their outcomes will count. */
  staked: number;
  /** Failures the breaker counted in a row since its last success or change of state. */
  failures: number;
  /** A host of this scope succeeded (and counted) since the breaker last changed state, with no failure since. */
  proven: boolean;
  /** Pending wake-up at the end of the cooldown, if one is armed. */
  cooldown: AbortController | null;
}

/**
 * The hosts of one scope in one batch that have not started yet, in batch order. A blocked lane holds no
 * fork slot: its hosts wait until something about their scope changes (a host of it ends, a cooldown ends).
 */
interface Lane {
  scope: Scope | null;
  /** Indexes into the batch's host names, ascending. */
  pending: number[];
  next: number;
  blocked: boolean;
  /** In the ready heap. */
  queued: boolean;
}

/** A host that failed or was unreachable; an interrupted host says nothing about the device. */
export function countsAsFailure(r: HostResult): boolean {
  return (r.status === 'failed' || r.status === 'unreachable') && r.reason !== 'interrupted';
}

/**
 * Decides when each host runs: plays and batches in order, at most `forks` hosts at once, new connections
 * at most `connect_rate` per second, each host attempt guarded by its scope's breaker, and the failure
 * budget able to halt the rollout. Every targeted host ends with exactly one host_end event, except that a
 * host which ended failed or unreachable in one play is not run, nor reported again, by the plays after it
 * (as Ansible drops it): its one outcome is that failure.
 */
export class Scheduler {
  private halt: Halted | null = null;
  private readonly budget = new FailureBudget({ maxFailures: null, maxFailPercentage: null });
  private currentBatch = 0;
  /** Hosts that ended failed or unreachable in an earlier play. */
  private readonly dropped = new Set<string>();
  /** Lets the running batch settle every host that has not started, once the run is halted. */
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
    // Batches keep their planned numbers; a host dropped by an earlier play's failure leaves a gap.
    const batches = play.batches.map((names) => names.filter((n) => !this.dropped.has(n)));
    const hosts = batches.flat();
    bus.emit({ type: 'play_start', at: iso(clock), play: play.name, index: play.index, hosts, batches });
    this.budget.setLimits({ maxFailures: play.spec.maxFailures, maxFailPercentage: play.spec.maxFailPercentage });
    const scopes = new Map<string, Scope>();
    const gate = connectGate(play.spec.connectRate);

    for (const [i, names] of batches.entries()) {
      const batch = i + 1;
      if (names.length === 0) continue;
      if (this.halt) {
        for (const name of names) this.skip(play, batch, name, this.skipReason());
        continue;
      }
      this.currentBatch = batch;
      bus.emit({ type: 'batch_start', at: iso(clock), play: play.name, batch, batches: play.batches.length, hosts: names });
      const results = await this.runBatch(play, batch, names, scopes, gate);
      for (const r of results) if (r.status === 'failed' || r.status === 'unreachable') this.dropped.add(r.name);
      const failed = results.filter(countsAsFailure).length;
      bus.emit({ type: 'batch_end', at: iso(clock), play: play.name, batch, failed, total: names.length });
      const reason = this.budget.batchEnded(failed, names.length);
      if (reason) this.stop(reason, play);
    }
    bus.emit({ type: 'play_end', at: iso(clock), play: play.name });
  }

  private runBatch(play: PlannedPlay, batch: number, names: string[], scopes: Map<string, Scope>, gate: (() => Promise<void>) | undefined): Promise<HostResult[]> {
    const { bus, clock } = this.opts;
    const forks = Math.max(1, this.opts.forks ?? play.spec.forks);
    const breakerSpec = play.spec.breaker;
    const results: HostResult[] = [];
    let running = 0;

    const lanes = new Map<Scope | null, Lane>();
    names.forEach((name, index) => {
      const host = play.hosts.get(name);
      const scope = host ? this.scopeOf(play, host, scopes) : null;
      let lane = lanes.get(scope);
      if (!lane) lanes.set(scope, (lane = { scope, pending: [], next: 0, blocked: false, queued: false }));
      lane.pending.push(index);
    });
    // The lane whose next host comes first in batch order goes first: order is kept wherever no scope waits.
    const ready = new MinHeap<Lane>((l) => l.pending[l.next]!);
    const offer = (lane: Lane) => {
      if (lane.queued || lane.blocked || lane.next >= lane.pending.length) return;
      lane.queued = true;
      ready.push(lane);
    };
    const unblock = (lane: Lane | undefined) => {
      if (!lane?.blocked) return;
      lane.blocked = false;
      offer(lane);
    };
    const take = (lane: Lane): string => {
      const name = names[lane.pending[lane.next]!]!;
      lane.next += 1;
      offer(lane);
      return name;
    };

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

      const start = async (name: string, lane: Lane, permit: Permit | null): Promise<void> => {
        const host = play.hosts.get(name)!;
        const scope = lane.scope;
        const admittedIn = scope?.period ?? 0;
        running += 1;
        if (scope && permit?.kind === 'normal') scope.staked += 1;
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
        running -= 1;
        if (scope && permit?.kind === 'normal' && scope.period === admittedIn) scope.staked -= 1;
        if (scope && permit) {
          if (result.reason === 'interrupted') scope.breaker.release(permit);
          else {
            const period = scope.period;
            const failed = countsAsFailure(result);
            const counted = failed ? scope.breaker.failure(permit) : scope.breaker.success(permit);
            // An outcome that moved the breaker starts a new period, which begins unproven with no failures.
            if (counted && permit.kind === 'normal' && scope.period === period) {
              scope.failures = failed ? scope.failures + 1 : 0;
              scope.proven = !failed;
            }
          }
        }
        const budgetReason = this.budget.hostEnded(countsAsFailure(result));
        if (budgetReason) this.stop(budgetReason, play);
        finish(result);
        // Whatever this host's outcome did to its scope, the hosts waiting on that scope must ask again.
        unblock(lanes.get(scope));
        dispatch();
      };

      const dispatch = (): void => {
        if (this.halt) {
          for (const lane of lanes.values()) {
            while (lane.next < lane.pending.length) finish(skipped(play, batch, take(lane), this.skipReason()));
          }
          return;
        }
        while (running < forks) {
          const lane = ready.pop();
          if (!lane) return;
          lane.queued = false;
          const name = names[lane.pending[lane.next]!]!;
          const scope = lane.scope;
          if (!play.hosts.has(name)) {
            finish(skipped(play, batch, take(lane), 'halted'));
            continue;
          }
          if (!scope || !breakerSpec) {
            void start(take(lane), lane, null);
            continue;
          }
          // Slow start. While a scope's breaker is closed but nobody has shown the scope to work yet (no host
          // of it has succeeded since the breaker last changed state, or its last counted outcome was a
          // failure), it may have at stake only as many hosts as it takes failures to open the breaker:
          // counted failures plus hosts in flight whose outcome will count stay within failure_threshold.
          // A dead site therefore costs exactly failure_threshold attempts, made in parallel, instead of
          // taking every fork slot the healthy hosts free while those attempts time out; its other hosts
          // wait here without a slot and the other scopes' hosts go first. The first success lifts the cap,
          // so a healthy scope loses no more than its first host's time. Half-open has its own cap, the
          // breaker's success_threshold probes; hosts admitted before the breaker last changed state are
          // not at stake, as their outcomes no longer sway it.
          if (scope.breaker.state === 'closed' && !scope.proven && scope.failures + scope.staked >= breakerSpec.failureThreshold) {
            lane.blocked = true;
            continue;
          }
          const admission = scope.breaker.tryAcquire();
          if (admission.admitted) {
            void start(take(lane), lane, admission.permit);
            continue;
          }
          if (breakerSpec.onOpen !== 'wait') {
            finish(skipped(play, batch, take(lane), 'breaker_open'));
            continue;
          }
          lane.blocked = true;
          if (admission.retryAt !== null) {
            this.armCooldown(scope, admission.retryAt, () => {
              unblock(lane);
              dispatch();
            });
          }
        }
      };
      // A halt from outside (a signal) settles the hosts not started yet, after whatever event is in progress.
      this.wakeAll = () => queueMicrotask(dispatch);

      if (names.length === 0) resolve([]);
      for (const lane of lanes.values()) offer(lane);
      dispatch();
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
      const created: Scope = {
        label,
        period: 0,
        staked: 0,
        failures: 0,
        proven: false,
        cooldown: null,
        breaker: new Breaker({
          rule: new ConsecutiveFailures(spec.failureThreshold),
          successThreshold: spec.successThreshold,
          cooldownMs: spec.cooldownMs,
          clock,
          onTransition: (from, to, at) => {
            // A new period of the breaker: whatever proved the scope before, it must prove itself again.
            created.period += 1;
            created.staked = 0;
            created.failures = 0;
            created.proven = false;
            bus.emit({ type: 'breaker', at: new Date(at).toISOString(), play: play.name, scope: label, from, to });
          },
        }),
      };
      scope = created;
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

/** A binary min-heap by `key`; the scheduler keeps at most one entry per lane in it. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly key: (item: T) => number) {}

  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.key(a[parent]!) <= this.key(a[i]!)) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < a.length && this.key(a[l]!) < this.key(a[min]!)) min = l;
      if (r < a.length && this.key(a[r]!) < this.key(a[min]!)) min = r;
      if (min === i) break;
      [a[min], a[i]] = [a[i]!, a[min]!];
      i = min;
    }
    return top;
  }
}
