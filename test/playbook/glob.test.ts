import { describe, expect, it } from 'vitest';
import { globMatch, isGlob } from '../../src/playbook/glob.js';

describe('globMatch', () => {
  it('matches * as any run, ? as one character, the rest literally', () => {
    const cases: [string, string, boolean][] = [
      ['r0*', 'r007', true],
      ['r0*', 'r1', false],
      ['*', '', true],
      ['r??', 'r07', true],
      ['r??', 'r7', false],
      ['*.lab', 'r1.lab', true],
      ['*.lab', 'r1xlab', false],
      ['r[1]', 'r[1]', true],
      ['r[1]', 'r1', false],
      ['a*b*c', 'aXbYbZc', true],
      ['a*b*c', 'aXbYbZ', false],
    ];
    expect(cases.map(([p, t]) => globMatch(p, t))).toEqual(cases.map(([, , want]) => want));
  });

  it('tells a glob from a name', () => {
    expect([isGlob('r0*'), isGlob('r?'), isGlob('r01')]).toEqual([true, true, false]);
  });
});
