/**
 * When a breaker should open, kept apart from the breaker's states (as cockatiel does): the breaker tells
 * the rule about each call that counts, and the rule answers whether that failure should open it.
 */
export interface TripRule {
  success(): void;
  /** True when this failure should open the breaker. */
  failure(): boolean;
  /** Forget history; called when the breaker closes again. */
  reset(): void;
  /**
   * How many failures in a row, from now, would open the breaker. Slow start reads this, so a rule that
   * trips differently keeps slow start honest without the gate knowing how it counts.
   */
  remaining(): number;
}

/** Opens after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveFailures implements TripRule {
  private count = 0;

  constructor(readonly threshold: number) {
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new RangeError(`failure threshold must be a positive integer, not ${threshold}`);
  }

  success(): void {
    this.count = 0;
  }

  failure(): boolean {
    this.count += 1;
    return this.count >= this.threshold;
  }

  reset(): void {
    this.count = 0;
  }

  remaining(): number {
    return Math.max(0, this.threshold - this.count);
  }
}
