import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/playbook/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    [' 2s ', 2_000],
    ['30', 30_000],
    [30, 30_000],
    [0.25, 250],
    [0, 0],
  ])('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([['10 minutes'], ['-5s'], [-1], ['s'], [''], ['1d'], [true], [null], [undefined], [[1]], [Infinity], [Number.NaN]])(
    'refuses %j',
    (input) => {
      expect(parseDuration(input)).toBeNull();
    },
  );
});

describe('formatDuration', () => {
  it('picks the largest exact unit', () => {
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(0)).toBe('0s');
  });

  it('round-trips every whole number of milliseconds through parseDuration', () => {
    fc.assert(fc.property(fc.nat(10 * 3_600_000), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
