import { describe, expect, it } from 'vitest';
import { FailureBudget } from '../../src/engine/policy.js';

describe('FailureBudget', () => {
  it('max_failures halts once that many hosts have failed', () => {
    const b = new FailureBudget({ maxFailures: 2, maxFailPercentage: null });
    expect(b.hostEnded(true)).toBeNull();
    expect(b.hostEnded(false)).toBeNull();
    expect(b.hostEnded(true)).toBe('max_failures');
  });

  it('successful hosts never spend the budget', () => {
    const b = new FailureBudget({ maxFailures: 1, maxFailPercentage: null });
    for (let i = 0; i < 10; i++) expect(b.hostEnded(false)).toBeNull();
  });

  it('failures are counted across plays when a later play sets its own limits', () => {
    const b = new FailureBudget({ maxFailures: 5, maxFailPercentage: null });
    b.hostEnded(true);
    b.setLimits({ maxFailures: 2, maxFailPercentage: null });
    expect(b.hostEnded(true)).toBe('max_failures');
  });

  it('max_fail_percentage halts when the share exceeds the limit, not when it reaches it', () => {
    const b = new FailureBudget({ maxFailures: null, maxFailPercentage: 20 });
    expect(b.batchEnded(2, 10)).toBeNull(); // exactly 20%
    expect(b.batchEnded(3, 10)).toBe('max_fail_percentage'); // 30%
    expect(b.batchEnded(1, 4)).toBe('max_fail_percentage'); // 25%
  });

  it('compares exactly where a decimal would round (1 of 3 against 33.34 and 33.33)', () => {
    expect(new FailureBudget({ maxFailures: null, maxFailPercentage: 33.34 }).batchEnded(1, 3)).toBeNull();
    expect(new FailureBudget({ maxFailures: null, maxFailPercentage: 33.33 }).batchEnded(1, 3)).toBe(
      'max_fail_percentage',
    );
  });

  it('max_fail_percentage 0 halts on any failure, and never on a clean batch', () => {
    const b = new FailureBudget({ maxFailures: null, maxFailPercentage: 0 });
    expect(b.batchEnded(0, 10)).toBeNull();
    expect(b.batchEnded(1, 100)).toBe('max_fail_percentage');
  });

  it('no limits never halt', () => {
    const b = new FailureBudget({ maxFailures: null, maxFailPercentage: null });
    expect(b.hostEnded(true)).toBeNull();
    expect(b.batchEnded(10, 10)).toBeNull();
  });
});
