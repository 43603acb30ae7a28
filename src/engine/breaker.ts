import type { Clock } from './clock.js';
import type { TripRule } from './consecutive.js';
import type { BreakerState } from './results.js';

export interface BreakerOptions {
  /** Decides when failures open the breaker (see consecutive.ts). */
  rule: TripRule;
  /** Probe successes in half-open that close it; also the most probes admitted at once. */
  successThreshold: number;
  /** Time spent open before probes are admitted. */
  cooldownMs: number;
  clock: Clock;
  /** Called on every change of state, with the time the change took effect. */
  onTransition?: (from: BreakerState, to: BreakerState, at: number) => void;
}

/**
 * Proof that a call was admitted. The generation ties an outcome to the period it was admitted in, so a
 * slow call admitted while closed cannot sway a breaker that has since opened, and a probe from an earlier
 * half-open cannot close a later one.
 */
export interface Permit {
  readonly kind: 'normal' | 'probe';
  readonly generation: number;
}

export type Admission =
  | { admitted: true; permit: Permit }
  /** `retryAt`: when asking again can succeed; null while half-open probes are still out. */
  | { admitted: false; state: 'open' | 'half-open'; retryAt: number | null };

/**
 * closed → open → half-open → closed / open, as a pure state machine: no timers, it reads the clock when
 * asked, so the open → half-open step happens on the first question after the cooldown.
 */
export class Breaker {
  private current: BreakerState = 'closed';
  private generation = 0;
  private openedAt = 0;
  private probes = 0;
  private probeSuccesses = 0;

  constructor(private readonly opts: BreakerOptions) {
    if (!Number.isInteger(opts.successThreshold) || opts.successThreshold < 1) {
      throw new RangeError(`success threshold must be a positive integer, not ${opts.successThreshold}`);
    }
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.opts.clock.now() >= this.reopensAt()) {
      this.moveTo('half-open', this.reopensAt());
    }
    return this.current;
  }

  /** Probes admitted in the current half-open period whose outcome is not in yet. */
  get probesInFlight(): number {
    return this.current === 'half-open' ? this.probes : 0;
  }

  /** When an open breaker will admit probes. */
  reopensAt(): number {
    return this.openedAt + this.opts.cooldownMs;
  }

  tryAcquire(): Admission {
    switch (this.state) {
      case 'closed':
        return { admitted: true, permit: { kind: 'normal', generation: this.generation } };
      case 'open':
        return { admitted: false, state: 'open', retryAt: this.reopensAt() };
      case 'half-open':
        if (this.probes >= this.opts.successThreshold) return { admitted: false, state: 'half-open', retryAt: null };
        this.probes += 1;
        return { admitted: true, permit: { kind: 'probe', generation: this.generation } };
    }
  }

  /** Records a success; answers whether it counted (false for a permit from an earlier period). */
  success(permit: Permit): boolean {
    if (!this.isCurrent(permit)) return false;
    if (permit.kind === 'normal') {
      this.opts.rule.success();
      return true;
    }
    this.probes -= 1;
    this.probeSuccesses += 1;
    if (this.probeSuccesses >= this.opts.successThreshold) this.close();
    return true;
  }

  /** Records a failure; answers whether it counted (false for a permit from an earlier period). */
  failure(permit: Permit): boolean {
    if (!this.isCurrent(permit)) return false;
    if (permit.kind === 'normal') {
      if (this.opts.rule.failure()) this.open();
      return true;
    }
    this.open();
    return true;
  }

  /** The call ended without an outcome that says anything about the scope (e.g. the run was interrupted). */
  release(permit: Permit): void {
    if (this.isCurrent(permit) && permit.kind === 'probe') this.probes -= 1;
  }

  private isCurrent(permit: Permit): boolean {
    return permit.generation === this.generation && (permit.kind === 'probe') === (this.current === 'half-open');
  }

  private open(): void {
    this.openedAt = this.opts.clock.now();
    this.moveTo('open', this.openedAt);
  }

  private close(): void {
    this.opts.rule.reset();
    this.moveTo('closed', this.opts.clock.now());
  }

  private moveTo(to: BreakerState, at: number): void {
    const from = this.current;
    this.current = to;
    this.generation += 1;
    this.probes = 0;
    this.probeSuccesses = 0;
    this.opts.onTransition?.(from, to, at);
  }
}
