import type { LoopSpec } from '../playbook/types.js';

/**
 * Ansible's loops as pure functions: the items each loop keyword yields (lookup plugins items, list, dict,
 * indexed_items), the variables one iteration sees, and the registered value of a looped task.
 */
export interface LoopItem {
  item: unknown;
  index: number;
  /** Variables the iteration adds: the loop variable, the index variable, ansible_loop when extended. */
  vars: Record<string, unknown>;
}

export type LoopItems = { ok: true; items: LoopItem[] } | { ok: false; message: string };

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The items of `value`, shaped as the loop's keyword shapes them. */
export function loopItems(loop: LoopSpec, value: unknown): LoopItems {
  let items: unknown[];
  switch (loop.source) {
    case 'loop':
    case 'with_list':
      if (!Array.isArray(value)) return { ok: false, message: `${loop.source} expects a list, got ${describe(value)}` };
      items = value;
      break;
    case 'with_items':
      // with_items flattens one level and takes a lone value as a list of one.
      items = (Array.isArray(value) ? value : [value]).flatMap((v) => (Array.isArray(v) ? v : [v]));
      break;
    case 'with_indexed_items':
      if (!Array.isArray(value))
        return { ok: false, message: `with_indexed_items expects a list, got ${describe(value)}` };
      items = value.flatMap((v) => (Array.isArray(v) ? v : [v])).map((v, i) => [i, v]);
      break;
    case 'with_dict':
      if (!isMap(value)) return { ok: false, message: `with_dict expects a mapping, got ${describe(value)}` };
      items = Object.entries(value).map(([key, v]) => ({ key, value: v }));
      break;
  }
  const length = items.length;
  return {
    ok: true,
    items: items.map((item, index) => {
      const vars: Record<string, unknown> = { [loop.loopVar]: item, ansible_loop_var: loop.loopVar };
      if (loop.indexVar) {
        vars[loop.indexVar] = index;
        vars.ansible_index_var = loop.indexVar;
      }
      if (loop.extended) {
        vars.ansible_loop = {
          index: index + 1,
          index0: index,
          revindex: length - index,
          revindex0: length - index - 1,
          first: index === 0,
          last: index === length - 1,
          length,
          allitems: items,
        };
      }
      return { item, index, vars };
    }),
  };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

/** What `register` stores for a looped task, as Ansible shapes it: one result per item under `results`. */
export function registeredLoop(results: Array<Record<string, unknown>>): Record<string, unknown> {
  const skipped = results.length > 0 && results.every((r) => r.skipped === true);
  return {
    results,
    changed: results.some((r) => r.changed === true),
    failed: results.some((r) => r.failed === true),
    skipped: results.length === 0 || skipped,
    msg: results.some((r) => r.failed === true) ? 'One or more items failed' : 'All items completed',
  };
}
