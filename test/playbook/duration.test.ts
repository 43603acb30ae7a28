import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/playbook/duration.js';

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

  it.each([
    ['10 minutes'],
    ['-5s'],
    [-1],
    ['s'],
    [''],
    ['1d'],
    [true],
    [null],
    [undefined],
    [[1]],
    [Infinity],
    [Number.NaN],
  ])('refuses %j', (input) => {
    expect(parseDuration(input)).toBeNull();
  });
});
