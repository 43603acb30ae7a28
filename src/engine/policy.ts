import type { HaltReason } from './results.js';

export interface BudgetOptions {
  /** Halt once this many hosts have failed in the run; null = no limit. */
  maxFailures: number | null;
  /** Halt after a batch whose failed share exceeds this percentage; null = no limit. */
  maxFailPercentage: number | null;
}

/**
 * The failure budget of a rollout. A host that failed or was unreachable counts as failed; a skipped host
 * does not (it was never tried). Pure bookkeeping: the scheduler asks, and decides what halting means.
 */
export class FailureBudget {
  private failures = 0;

  constructor(private opts: BudgetOptions) {}

  /** A later play brings its own limits; failures already counted stay counted (the limit is per run). */
  setLimits(opts: BudgetOptions): void {
    this.opts = opts;
  }

  get failed(): number {
    return this.failures;
  }

  /** Records one host outcome; answers whether the run must halt now. */
  hostEnded(failed: boolean): HaltReason | null {
    if (failed) this.failures += 1;
    const max = this.opts.maxFailures;
    return max !== null && this.failures >= max ? 'max_failures' : null;
  }

  /** After a batch: `failed` of its `total` hosts failed. Halts only when the share exceeds the limit. */
  batchEnded(failed: number, total: number): HaltReason | null {
    const limit = this.opts.maxFailPercentage;
    if (limit === null || total === 0) return null;
    // Compared as integers so 1 of 3 against 33.333… is not decided by rounding.
    return failed * 100 > limit * total ? 'max_fail_percentage' : null;
  }
}
