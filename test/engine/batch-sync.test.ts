import { describe, expect, it } from 'vitest';
import { BatchSync, compareKeys } from '../../src/engine/batch-sync.js';

describe('the linear barrier', () => {
  it('lets no host start a step before every running host finished the one before', async () => {
    const sync = new BatchSync(true);
    const order: string[] = [];
    sync.join('a');
    sync.join('b');
    const host = async (name: string, steps: number, delays: number[]): Promise<void> => {
      for (let i = 0; i < steps; i++) {
        await sync.turn(name, [i]);
        for (let d = 0; d < (delays[i] ?? 0); d++) await Promise.resolve();
        order.push(`${name}${i}`);
      }
      sync.leave(name);
    };
    await Promise.all([host('a', 3, [0, 0, 0]), host('b', 3, [5, 9, 1])]);
    const stepOf = (s: string): number => Number(s.slice(1));
    for (let i = 1; i < order.length; i++) expect(stepOf(order[i]!)).toBeGreaterThanOrEqual(stepOf(order[i - 1]!));
  });

  it('does not wait for a host that left', async () => {
    const sync = new BatchSync(true);
    sync.join('a');
    sync.join('b');
    const a = sync.turn('a', [1]);
    sync.leave('b');
    await expect(a).resolves.toBeUndefined();
  });

  it('lets the hosts at the earliest task go first when their paths differ (a rescue, a nested block)', async () => {
    const sync = new BatchSync(true);
    const order: string[] = [];
    sync.join('a');
    sync.join('b');
    const host = async (name: string, keys: number[][]): Promise<void> => {
      for (const key of keys) {
        await sync.turn(name, key);
        await Promise.resolve();
        order.push(`${name}:${key.join('.')}`);
      }
      sync.leave(name);
    };
    // a fails its block's first task and runs the rescue; b runs the block's second task, then both the always.
    await Promise.all([
      host('a', [[0, 0, 0], [0, 1, 0], [0, 2, 0], [1]]),
      host('b', [[0, 0, 0], [0, 0, 1], [0, 2, 0], [1]]),
    ]);
    expect(order.slice(2, 4)).toEqual(['b:0.0.1', 'a:0.1.0']);
    expect(order.slice(4, 6).sort()).toEqual(['a:0.2.0', 'b:0.2.0']);
    expect(order.slice(6).sort()).toEqual(['a:1', 'b:1']);
  });

  it('orders task keys element by element, a shorter key first', () => {
    expect(compareKeys([1], [1, 0])).toBeLessThan(0);
    expect(compareKeys([0, 2], [1, -1, 0])).toBeLessThan(0);
    expect(compareKeys([1, -1, 0], [1, 0])).toBeLessThan(0);
    expect(compareKeys([2, 0, 1], [2, 0, 1])).toBe(0);
  });
});

describe('run_once', () => {
  it('runs on the first host of the batch and hands every other host the same result', async () => {
    const sync = new BatchSync(false);
    sync.order = ['a', 'b'];
    sync.join('a');
    sync.join('b');
    const task = {};
    let runs = 0;
    const work = (who: string) => async () => {
      runs += 1;
      return who;
    };
    const [b, a] = await Promise.all([sync.runOnce(task, 'b', work('b')), sync.runOnce(task, 'a', work('a'))]);
    expect(runs).toBe(1);
    expect([a.first, a.value, b.first, b.value, b.host]).toEqual([true, 'a', false, 'a', 'a']);
  });

  it('passes the turn on when the first host ends without meeting the task', async () => {
    const sync = new BatchSync(false);
    sync.order = ['a', 'b'];
    sync.join('a');
    sync.join('b');
    const pending = sync.runOnce({}, 'b', async () => 'b');
    sync.leave('a');
    await expect(pending).resolves.toMatchObject({ first: true, value: 'b' });
  });
});
