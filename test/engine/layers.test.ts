import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeLayers } from '../../src/engine/layers.js';

type Layer = Record<string, unknown>;

/** What the spread gives: the meaning mergeLayers keeps. */
function spread(layers: (Layer | undefined)[]): Layer {
  let out: Layer = {};
  for (const l of layers) out = { ...out, ...l };
  return out;
}

describe('variable layers', () => {
  it('lets a later layer win and skips missing layers', () => {
    const merged = mergeLayers({ site: 'ams', user: 'netops' }, undefined, { user: 'admin' }, { port: 22 });
    expect(merged).toEqual({ site: 'ams', user: 'admin', port: 22 });
    expect(Object.keys(merged)).toEqual(['site', 'user', 'port']);
  });

  it('makes a new object and leaves every layer as it was', () => {
    const a = { site: 'ams' };
    const b = { site: 'fra' };
    const merged = mergeLayers(a, b);
    merged.extra = 1;
    expect(a).toEqual({ site: 'ams' });
    expect(b).toEqual({ site: 'fra' });
  });

  it('keeps a variable named __proto__ as data instead of changing the prototype', () => {
    // YAML and JSON both give a mapping key "__proto__" as an own property.
    const hostile = JSON.parse('{"__proto__": {"ansible_host": "203.0.113.9"}, "site": "ams"}') as Layer;
    const merged = mergeLayers({ ansible_host: '198.51.100.1' }, hostile, { user: 'netops' });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value).toEqual({ ansible_host: '203.0.113.9' });
    expect(merged.ansible_host).toBe('198.51.100.1');
    expect(Object.keys(merged)).toEqual(
      Object.keys(spread([{ ansible_host: '198.51.100.1' }, hostile, { user: 'netops' }])),
    );
  });

  it('gives the same keys, order and values as the spread, whatever the layers', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'host', 'port', 'groups', 'k0', 'k1', 'k2'), fc.string());
    const layer = fc.option(
      fc.array(fc.tuple(key, fc.jsonValue()), { maxLength: 30 }).map((pairs) => {
        const out: Layer = {};
        for (const [k, v] of pairs)
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 6 }), (layers) => {
        const merged = mergeLayers(...layers);
        const expected = spread(layers);
        expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
        expect(Object.keys(merged)).toEqual(Object.keys(expected));
        for (const k of Object.keys(expected))
          expect(Object.getOwnPropertyDescriptor(merged, k)).toEqual(Object.getOwnPropertyDescriptor(expected, k));
      }),
    );
  });
});
