import PQueue from 'p-queue';
import { iso } from './clock.js';
import { batchSync, playEnded } from './batch-sync.js';
import type { RunContext } from './context.js';
import { runHost } from './host-runner.js';
import type { PlannedHost, PlannedPlay } from './plan-model.js';
import { FailureBudget } from './policy.js';
import type { FailureReason, Halted, HaltReason, HostResult } from './results.js';
import { ScopeGate, type Ticket } from './scope-gate.js';

/**
 * The hosts of one scope in one batch that have not started yet, in batch order. A blocked lane holds no
 * fork slot: its hosts wait until something about their scope changes (a host of it ends, a cooldown ends).
 */
interface Lane {
  gate: ScopeGate | null;
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
 * at most `connect_rate` per second, each host admitted by its scope's gate (scope-gate.ts), and the failure
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

  constructor(private readonly opts: RunContext) {
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
    const gates = new Map<string, ScopeGate>();
    const connectSlot = connectGate(play.spec.connectRate);

    for (const [i, names] of batches.entries()) {
      const batch = i + 1;
      if (names.length === 0) continue;
      if (this.halt) {
        for (const name of names) this.skip(play, batch, name, this.skipReason());
        continue;
      }
      // meta end_play ended the play in an earlier batch: ansible-playbook starts no later batch of it.
      if (playEnded(play)) {
        for (const name of names) this.skip(play, batch, name, 'play_ended');
        continue;
      }
      this.currentBatch = batch;
      bus.emit({
        type: 'batch_start',
        at: iso(clock),
        play: play.name,
        batch,
        batches: play.batches.length,
        hosts: names,
      });
      const results = await this.runBatch(play, batch, names, gates, connectSlot);
      // meta clear_host_errors forgave some: they run in the plays after this one, as in Ansible.
      const { forgiven } = batchSync(play, batch, play.spec.strategy === 'linear');
      for (const r of results) {
        if ((r.status === 'failed' || r.status === 'unreachable') && !forgiven.has(r.name)) this.dropped.add(r.name);
      }
      const failed = results.filter(countsAsFailure).length;
      bus.emit({ type: 'batch_end', at: iso(clock), play: play.name, batch, failed, total: names.length });
      const reason = this.budget.batchEnded(failed, names.length);
      if (reason) this.stop(reason, play);
    }
    bus.emit({ type: 'play_end', at: iso(clock), play: play.name });
  }

  private runBatch(
    play: PlannedPlay,
    batch: number,
    names: string[],
    gates: Map<string, ScopeGate>,
    connectSlot: (() => Promise<void>) | undefined,
  ): Promise<HostResult[]> {
    const { bus, clock } = this.opts;
    const forks = Math.max(1, this.opts.forks ?? play.spec.forks);
    const results: HostResult[] = [];
    let running = 0;

    const lanes = new Map<ScopeGate | null, Lane>();
    names.forEach((name, index) => {
      const host = play.hosts.get(name);
      const gate = host ? this.gateOf(play, host, gates) : null;
      let lane = lanes.get(gate);
      if (!lane) lanes.set(gate, (lane = { gate, pending: [], next: 0, blocked: false, queued: false }));
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
        bus.emit({ type: 'host_end', at: iso(clock), result, play_index: play.index });
        results.push(result);
        if (results.length === names.length) {
          this.wakeAll = () => undefined;
          for (const g of gates.values()) g.stopWaking();
          resolve(results);
        }
      };

      const start = async (name: string, lane: Lane, ticket: Ticket | null): Promise<void> => {
        const host = play.hosts.get(name)!;
        running += 1;
        bus.emit({ type: 'host_start', at: iso(clock), play: play.name, batch, host: name });
        const result = await runHost(this.opts, {
          play,
          host,
          batch,
          ...(connectSlot ? { beforeConnect: connectSlot } : {}),
        });
        running -= 1;
        if (lane.gate && ticket) {
          lane.gate.settle(
            ticket,
            result.reason === 'interrupted' ? 'interrupted' : countsAsFailure(result) ? 'failure' : 'success',
          );
        }
        const budgetReason = this.budget.hostEnded(countsAsFailure(result));
        if (budgetReason) this.stop(budgetReason, play);
        // any_errors_fatal: one host's failure of such a task ends the play, and the run, for every host.
        else if (batchSync(play, batch, play.spec.strategy === 'linear').fatal) this.stop('any_errors_fatal', play);
        finish(result);
        // Whatever this host's outcome did to its scope, the hosts waiting on that scope must ask again.
        unblock(lane);
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
          if (!play.hosts.has(name)) {
            finish(skipped(play, batch, take(lane), 'halted'));
            continue;
          }
          if (!lane.gate) {
            void start(take(lane), lane, null);
            continue;
          }
          const verdict = lane.gate.admit(() => {
            unblock(lane);
            dispatch();
          });
          if (verdict.go) void start(take(lane), lane, verdict.ticket);
          else if (verdict.skip) finish(skipped(play, batch, take(lane), 'breaker_open'));
          else lane.blocked = true;
        }
      };
      // A halt from outside (a signal) settles the hosts not started yet, after whatever event is in progress.
      this.wakeAll = () => queueMicrotask(dispatch);

      if (names.length === 0) resolve([]);
      for (const lane of lanes.values()) offer(lane);
      dispatch();
    });
  }

  private gateOf(play: PlannedPlay, host: PlannedHost, gates: Map<string, ScopeGate>): ScopeGate | null {
    const spec = play.spec.breaker;
    if (!spec) return null;
    const label =
      spec.scope === 'play'
        ? 'play'
        : spec.scope === 'jump'
          ? `jump=${jumpOf(host)}`
          : `${spec.scope}=${scopeValue(host.vars[spec.scope])}`;
    let gate = gates.get(label);
    if (!gate) {
      const { bus, clock } = this.opts;
      gate = new ScopeGate({
        spec,
        clock,
        onTransition: (from, to, at) => {
          bus.emit({ type: 'breaker', at: new Date(at).toISOString(), play: play.name, scope: label, from, to });
        },
      });
      gates.set(label, gate);
    }
    return gate;
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
    const result = skipped(play, batch, name, reason);
    this.opts.bus.emit({ type: 'host_end', at: iso(this.opts.clock), result, play_index: play.index });
  }
}

function skipped(play: PlannedPlay, batch: number, name: string, reason: FailureReason): HostResult {
  return {
    name,
    play: play.name,
    batch,
    status: 'skipped',
    reason,
    started: null,
    duration_ms: 0,
    tasks: [],
    error: null,
  };
}

/** `scope: jump`: one breaker per jump host (chain), and one for the hosts reached directly. */
function jumpOf(host: PlannedHost): string {
  const chain = host.connection.jump;
  if (!chain || chain.length === 0) return 'direct';
  return chain.map((h) => `${h.user}@${h.host}:${h.port}`).join(' > ');
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
