import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitBatches } from '../../src/engine/batches.js';
import type { SerialEntry } from '../../src/playbook/types.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}`);
const count = (value: number): SerialEntry => ({ kind: 'count', value });
const pct = (value: number): SerialEntry => ({ kind: 'percent', value });

describe('serial batches', () => {
  it('puts every host in one batch when serial is absent', () => {
    expect(splitBatches(hosts(5), null)).toEqual([hosts(5)]);
  });

  it('repeats the last entry: canary of 1, then 10%, then 50% of 20 hosts', () => {
    const sizes = splitBatches(hosts(20), [count(1), pct(10), pct(50)]).map((b) => b.length);
    expect(sizes).toEqual([1, 2, 10, 7]);
  });

  it('floors percentages but never below one host', () => {
    expect(splitBatches(hosts(3), [pct(10)]).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(splitBatches(hosts(10), [pct(25)]).map((b) => b.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('keeps host order and places each host exactly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 50 }).map(count), fc.integer({ min: 1, max: 100 }).map(pct)), {
          maxLength: 5,
        }),
        (n, serial) => {
          const batches = splitBatches(hosts(n), serial.length ? serial : null);
          expect(batches.flat()).toEqual(hosts(n));
          for (const b of batches) expect(b.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
