import { describe, expect, it } from 'vitest';
import { ConsecutiveFailures } from '../../src/engine/consecutive.js';

describe('ConsecutiveFailures', () => {
  it('trips on the threshold-th failure in a row', () => {
    const rule = new ConsecutiveFailures(3);
    expect([rule.failure(), rule.failure(), rule.failure()]).toEqual([false, false, true]);
  });

  it('a success starts the count again', () => {
    const rule = new ConsecutiveFailures(2);
    expect(rule.failure()).toBe(false);
    rule.success();
    expect(rule.failure()).toBe(false);
    expect(rule.failure()).toBe(true);
  });

  it('reset forgets earlier failures', () => {
    const rule = new ConsecutiveFailures(2);
    rule.failure();
    rule.reset();
    expect(rule.failure()).toBe(false);
  });

  it('says how many failures it still takes to trip', () => {
    const rule = new ConsecutiveFailures(3);
    const seen = [rule.remaining()];
    rule.failure();
    seen.push(rule.remaining());
    rule.failure();
    seen.push(rule.remaining());
    rule.success();
    seen.push(rule.remaining());
    expect(seen).toEqual([3, 2, 1, 3]);
  });

  it('a threshold of one trips on the first failure', () => {
    expect(new ConsecutiveFailures(1).failure()).toBe(true);
  });

  it('refuses a threshold that is not a positive integer', () => {
    expect(() => new ConsecutiveFailures(0)).toThrow(RangeError);
    expect(() => new ConsecutiveFailures(1.5)).toThrow(RangeError);
  });
});
