import { describe, expect, it } from 'vitest';
import { cacheIsFresh, stampSeconds } from '../../src/actions/apt-run.js';

/** The apt cache's age as Ansible's module judges it: in datetimes, so fractions of a second count. */
describe('apt cache age', () => {
  it('reads stat and date stamps to the nanosecond, or whole seconds where %N is not known', () => {
    expect(stampSeconds('1795968077.243987530')).toBeCloseTo(1795968077.243987, 5);
    expect(stampSeconds('1795968077')).toBe(1795968077);
    expect(stampSeconds('1795968077.N')).toBe(1795968077);
    expect(stampSeconds('')).toBe(0);
  });

  it('finds a cache changed earlier in the same second older than now', () => {
    expect(cacheIsFresh(100.2, 0, 100.7)).toBe(false);
    expect(cacheIsFresh(100.2, 1, 100.7)).toBe(true);
    expect(cacheIsFresh(100, 3600, 3700)).toBe(true);
    expect(cacheIsFresh(100, 3600, 3700.5)).toBe(false);
  });
});
