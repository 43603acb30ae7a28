/**
 * Variable layers merged into one new object, later layers winning: what `{ ...a, ...b, ...c }` means.
 *
 * Why not the spread: V8 builds an object spread from several layers that together pass about sixteen
 * properties (a host's variables with the magic ones always do) through a dictionary and back, giving each
 * object a hidden class of its own, allocated in the old generation. Planning 10,000 hosts made some 40,000
 * of them, most of `validate`'s peak memory. Object.assign into one fresh object reuses hidden classes (or
 * keeps a dictionary), so each host's variables cost only their values.
 *
 * A layer's own `__proto__` key is copied as data, as the spread copies it: Object.assign would run the
 * prototype setter instead, and a variable of that name must not change what every other name resolves to.
 */
export function mergeLayers(
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (!Object.hasOwn(layer, '__proto__')) {
      Object.assign(out, layer);
      continue;
    }
    for (const key of Reflect.ownKeys(layer)) {
      const d = Object.getOwnPropertyDescriptor(layer, key);
      if (!d?.enumerable) continue;
      const value: unknown = Reflect.get(layer, key);
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  return out;
}
