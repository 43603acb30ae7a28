import { describe, expect, it } from 'vitest';
import { BatchSync } from '../../src/engine/batch-sync.js';

describe('the linear barrier', () => {
  it('lets no host start a step before every running host finished the one before', async () => {
    const sync = new BatchSync(true);
    const order: string[] = [];
    sync.join('a');
    sync.join('b');
    const host = async (name: string, steps: number, delays: number[]): Promise<void> => {
      for (let i = 0; i < steps; i++) {
        await sync.before(name, i);
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
    const a = sync.before('a', 1);
    sync.leave('b');
    await expect(a).resolves.toBeUndefined();
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
