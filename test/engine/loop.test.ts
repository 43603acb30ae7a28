import { describe, expect, it } from 'vitest';
import { loopItems, registeredLoop } from '../../src/engine/loop.js';
import type { LoopSpec } from '../../src/playbook/types.js';

const spec = (source: LoopSpec['source'], extra: Partial<LoopSpec> = {}): LoopSpec => ({
  source,
  items: null,
  loopVar: 'item',
  pauseMs: 0,
  extended: false,
  ...extra,
});
const items = (s: LoopSpec, value: unknown): unknown[] => {
  const r = loopItems(s, value);
  if (!r.ok) throw new Error(r.message);
  return r.items.map((i) => i.item);
};

describe('loop items', () => {
  it('shapes items as each Ansible loop keyword does', () => {
    expect(items(spec('loop'), [[1, 2], 3])).toEqual([[1, 2], 3]);
    expect(items(spec('with_items'), [[1, 2], 3])).toEqual([1, 2, 3]);
    expect(items(spec('with_items'), 'lone')).toEqual(['lone']);
    expect(items(spec('with_list'), [[1, 2]])).toEqual([[1, 2]]);
    expect(items(spec('with_dict'), { a: 1, b: 2 })).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(items(spec('with_indexed_items'), ['x', 'y'])).toEqual([
      [0, 'x'],
      [1, 'y'],
    ]);
  });

  it('names the item and index as loop_control asks, and fills ansible_loop when extended', () => {
    const r = loopItems(spec('loop', { loopVar: 'pkg', indexVar: 'i', extended: true }), ['a', 'b']);
    expect(r.ok && r.items[1]!.vars).toMatchObject({
      pkg: 'b',
      i: 1,
      ansible_loop_var: 'pkg',
      ansible_loop: { index: 2, first: false, last: true, length: 2 },
    });
  });

  it('refuses a loop over something that is not a list', () => {
    expect(loopItems(spec('loop'), 'abc')).toEqual({ ok: false, message: 'loop expects a list, got string "abc"' });
    expect(loopItems(spec('with_dict'), [1])).toEqual({
      ok: false,
      message: 'with_dict expects a mapping, got a list',
    });
  });

  it('registers results with changed and failed folded over the items', () => {
    expect(
      registeredLoop([
        { changed: true, failed: false },
        { changed: false, failed: true },
      ]),
    ).toMatchObject({ changed: true, failed: true, skipped: false });
    expect(registeredLoop([{ skipped: true }, { skipped: true }])).toMatchObject({
      skipped: true,
      msg: 'All items completed',
    });
  });
});
