import type { BreakerSpec } from '../playbook/types.js';
import { Breaker, type Permit } from './breaker.js';
import type { Clock } from './clock.js';
import { ConsecutiveFailures, type TripRule } from './consecutive.js';
import type { BreakerState } from './results.js';

/** Proof that a host was let through, handed back with its outcome. */
export interface Ticket {
  readonly permit: Permit;
  /** The gate's period when the host was admitted: an outcome counts only in the period it was admitted in. */
  readonly period: number;
}

export type Verdict =
  | { go: true; ticket: Ticket }
  /** The breaker is open and the play says `on_open: skip`: the host is not attempted. */
  | { go: false; skip: true }
  /** Not now: ask again when a host of this scope ends, or when the gate calls the `wake` it was given. */
  | { go: false; skip: false };

/** What a host's outcome says about its scope; an interrupted host says nothing. */
export type Outcome = 'success' | 'failure' | 'interrupted';

export interface ScopeGateOptions {
  spec: BreakerSpec;
  clock: Clock;
  /** Called on every change of state of the breaker, with the time it took effect. */
  onTransition: (from: BreakerState, to: BreakerState, at: number) => void;
  /** When failures open the breaker; default: `failure_threshold` failures in a row. */
  rule?: TripRule;
}

/**
 * Everything that decides whether a host of one breaker scope may start now: the breaker and its trip
 * rule, slow start, the `on_open` policy, and the wake-up at the end of a cooldown. The scheduler asks
 * `admit`, reports each outcome with `settle`, and otherwise knows nothing of breakers.
 *
 * Slow start. While the breaker is closed but nobody has shown the scope to work yet (no host of it has
 * succeeded since the breaker last changed state, or its last counted outcome was a failure), the scope may
 * have at stake only as many hosts as it still takes failures to open the breaker. A dead site therefore
 * costs exactly failure_threshold attempts, made in parallel, instead of taking every fork slot the healthy
 * hosts free while those attempts time out; its other hosts wait without a slot and the other scopes' hosts
 * go first. The first success lifts the cap, so a healthy scope loses no more than its first host's time.
 * Half-open has its own cap, the breaker's success_threshold probes. Hosts admitted before the breaker last
 * changed state are not at stake, as their outcomes no longer sway it.
 */
export class ScopeGate {
  private readonly rule: TripRule;
  private readonly breaker: Breaker;
  private readonly onOpen: BreakerSpec['onOpen'];
  /** Changes of state of the breaker so far. */
  private period = 0;
  /** Hosts admitted while closed in the current period and still in flight: their outcomes will count. */
  private staked = 0;
  /** A host succeeded (and counted) since the breaker last changed state, with no failure since. */
  private proven = false;
  /** Pending wake-up at the end of the cooldown, if one is armed. */
  private cooldown: AbortController | null = null;

  constructor(private readonly opts: ScopeGateOptions) {
    this.rule = opts.rule ?? new ConsecutiveFailures(opts.spec.failureThreshold);
    this.onOpen = opts.spec.onOpen;
    this.breaker = new Breaker({
      rule: this.rule,
      successThreshold: opts.spec.successThreshold,
      cooldownMs: opts.spec.cooldownMs,
      clock: opts.clock,
      onTransition: (from, to, at) => {
        // A new period: whatever proved the scope before, it must prove itself again.
        this.period += 1;
        this.staked = 0;
        this.proven = false;
        opts.onTransition(from, to, at);
      },
    });
  }

  /** May a host of this scope start now? `wake` is called once the cooldown ends, if waiting on it. */
  admit(wake: () => void): Verdict {
    if (this.breaker.state === 'closed' && !this.proven && this.staked >= this.rule.remaining()) {
      return { go: false, skip: false };
    }
    const admission = this.breaker.tryAcquire();
    if (admission.admitted) {
      if (admission.permit.kind === 'normal') this.staked += 1;
      return { go: true, ticket: { permit: admission.permit, period: this.period } };
    }
    if (this.onOpen !== 'wait') return { go: false, skip: true };
    if (admission.retryAt !== null) this.wakeAt(admission.retryAt, wake);
    return { go: false, skip: false };
  }

  /** Records what became of an admitted host. */
  settle(ticket: Ticket, outcome: Outcome): void {
    const { permit } = ticket;
    if (permit.kind === 'normal' && ticket.period === this.period) this.staked -= 1;
    if (outcome === 'interrupted') {
      this.breaker.release(permit);
      return;
    }
    const failed = outcome === 'failure';
    const counted = failed ? this.breaker.failure(permit) : this.breaker.success(permit);
    // An outcome that moved the breaker started a new period, which begins unproven.
    if (counted && permit.kind === 'normal' && ticket.period === this.period) this.proven = !failed;
  }

  /** Drops a pending wake-up: nobody is waiting any more (the batch is over). */
  stopWaking(): void {
    this.cooldown?.abort();
  }

  private wakeAt(at: number, wake: () => void): void {
    if (this.cooldown) return;
    const timer = new AbortController();
    this.cooldown = timer;
    const { clock } = this.opts;
    clock.sleep(Math.max(0, at - clock.now()), timer.signal).then(
      () => {
        this.cooldown = null;
        wake();
      },
      () => {
        if (this.cooldown === timer) this.cooldown = null;
      },
    );
  }
}
