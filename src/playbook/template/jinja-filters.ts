import { pyGetAttr, pyMethod, pyReplace, splitArgs, toList, type Keywords } from './methods.js';
import {
  floatRepr,
  isFloat,
  isMapping,
  isNumber,
  num,
  percentFormat,
  pyCmp,
  pyEq,
  PyError,
  PyFloat,
  pyIn,
  pyRepr,
  pyStr,
  pyTruth,
  PyTuple,
  toFloat,
  typeName,
} from './python.js';

/**
 * Jinja2's built-in filters and tests, as Jinja2 3.x defines them (names, arguments, keyword arguments and
 * results), replacing nunjucks' look-alikes whose results differ (`join` of non-strings, `sort`, `length`
 * of a dict, `int('0x1A', base=16)`, `map(attribute=...)`, `unique`, `min`/`max`, ...).
 */

export type Filter = (value: unknown, pos: unknown[], kw: Keywords, env: FilterEnv) => unknown;
export type Test = (value: unknown, pos: unknown[], kw: Keywords, env: FilterEnv) => boolean;

/** What filters that apply other filters or tests need from the environment. */
export interface FilterEnv {
  filter(name: string): Filter;
  test(name: string): Test;
}

/** Python's `str.lower()` for case-insensitive comparisons, applied to strings only. */
function ignoreCase(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** Jinja's attribute getter: `a.b.0` walks keys, integer parts index sequences. */
export function attrGetter(
  attribute: unknown,
  postprocess?: (v: unknown) => unknown,
  dflt?: unknown,
): (item: unknown) => unknown {
  const parts = typeof attribute === 'string' ? attribute.split('.') : [attribute];
  return (item: unknown) => {
    let v: unknown = item;
    for (const part of parts) {
      const key = typeof part === 'string' && /^\d+$/.test(part) ? Number(part) : part;
      let next = pyGetAttr(v, key);
      if (next === undefined && typeof key === 'number') next = pyGetAttr(v, String(key));
      if (next === undefined) {
        if (dflt !== undefined) {
          v = dflt;
          break;
        }
        throw new PyError('Error', `${typeName(v)} object has no attribute ${pyRepr(part)}`);
      }
      v = next;
    }
    return postprocess ? postprocess(v) : v;
  };
}

function sortKey(caseSensitive: unknown, attribute: unknown): (v: unknown) => unknown {
  const post = caseSensitive ? undefined : ignoreCase;
  return attribute === undefined || attribute === null ? (v) => (post ? post(v) : v) : attrGetter(attribute, post);
}

function len(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isMapping(v)) return Object.keys(v).length;
  throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`);
}

function toInt(value: unknown, dflt: unknown = 0, base: unknown = 10): unknown {
  if (typeof value === 'string') {
    const b = num(base);
    const text = value.trim().replace(/_/g, '');
    const prefixed =
      b === 16
        ? /^[-+]?(0x)?[0-9a-f]+$/i
        : b === 8
          ? /^[-+]?(0o)?[0-7]+$/i
          : b === 2
            ? /^[-+]?(0b)?[01]+$/i
            : /^[-+]?\d+$/;
    if (prefixed.test(text)) {
      const neg = text.startsWith('-');
      const digits = text.replace(/^[-+]/, '').replace(/^0[xob]/i, '');
      const n = parseInt(digits, b);
      return neg ? -n : n;
    }
    // Jinja falls back to int(float(value)).
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) || /^[-+]?(inf|infinity|nan)$/i.test(text)) {
      const f = Number(text.replace(/^([-+]?)inf(inity)?$/i, '$1Infinity'));
      if (Number.isFinite(f)) return Math.trunc(f);
    }
    return dflt;
  }
  if (isNumber(value)) return Math.trunc(num(value));
  return dflt;
}

function toFloatValue(value: unknown, dflt: unknown = new PyFloat(0)): unknown {
  if (isNumber(value)) return toFloat(num(value));
  if (typeof value === 'string') {
    const t = value.trim().replace(/_/g, '');
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return toFloat(Number(t));
    if (/^[-+]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[-+]?nan$/i.test(t)) return NaN;
  }
  return dflt;
}

/**
 * Python's round(): the exact decimal value of the double rounded half to even (`round(2.675, 2)` is 2.67,
 * because 2.675 is stored as 2.67499…; `round(0.125, 2)` is 0.12), then read back as the nearest double.
 */
function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21 || digits < 0 || digits > 40) {
    const m = 10 ** digits;
    return Math.round(x * m) / m;
  }
  // toFixed gives the exact binary value's decimal digits, far enough to see whether the rest is a tie.
  const [whole, frac = ''] = Math.abs(x)
    .toFixed(Math.min(100, digits + 60))
    .split('.') as [string, string?];
  const kept = `${whole}${frac.slice(0, digits)}`;
  const rest = frac.slice(digits);
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  const up = rest[0]! > '5' || (rest[0] === '5' && !tie) || (tie && Number(kept[kept.length - 1]) % 2 === 1);
  const n = (BigInt(kept) + (up ? 1n : 0n)).toString().padStart(digits + 1, '0');
  const text = digits > 0 ? `${n.slice(0, -digits)}.${n.slice(-digits)}` : n;
  return x < 0 || Object.is(x, -0) ? -Number(text) : Number(text);
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;');
}

function minMax(pick: 'min' | 'max'): Filter {
  return (value, pos, kw) => {
    const items = toList(value);
    if (items.length === 0) return undefined;
    const key = sortKey(kw.case_sensitive ?? pos[0] ?? false, kw.attribute ?? pos[1]);
    let best = items[0];
    for (const item of items.slice(1)) {
      const c = pyCmp(key(item), key(best));
      if (pick === 'min' ? c < 0 : c > 0) best = item;
    }
    return best;
  };
}

function stableSort(items: unknown[], key: (v: unknown) => unknown, reverse: boolean): unknown[] {
  const decorated = items.map((v, i) => ({ k: key(v), v, i }));
  decorated.sort((a, b) => {
    const c = pyCmp(a.k, b.k);
    return c !== 0 ? (reverse ? -c : c) : a.i - b.i;
  });
  return decorated.map((d) => d.v);
}

function selectOrReject(
  env: FilterEnv,
  value: unknown,
  pos: unknown[],
  kw: Keywords,
  attr: boolean,
  keep: boolean,
): unknown[] {
  const items = toList(value);
  let get: (v: unknown) => unknown = (v) => v;
  let rest = pos;
  if (attr) {
    get = attrGetter(rest[0]);
    rest = rest.slice(1);
  }
  let check: (v: unknown) => boolean;
  if (rest.length === 0) check = pyTruth;
  else {
    const test = env.test(String(rest[0]));
    const args = rest.slice(1);
    check = (v) => test(v, args, kw, env);
  }
  return items.filter((item) => check(get(item)) === keep);
}

function wordwrap(s: string, width: number, breakLong: boolean, wrapstring: string, breakOnHyphens: boolean): string {
  // Python's textwrap, per paragraph line, with Jinja's defaults.
  return s
    .split(/\r\n|\r|\n/)
    .map((line) => {
      const words = line.split(/\s+/).filter(Boolean);
      const lines: string[] = [];
      let cur = '';
      for (let w of words) {
        while (breakLong && w.length > width) {
          if (cur) {
            lines.push(cur);
            cur = '';
          }
          lines.push(w.slice(0, width));
          w = w.slice(width);
        }
        if (!cur) cur = w;
        else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
        else {
          lines.push(cur);
          cur = w;
        }
      }
      if (cur) lines.push(cur);
      void breakOnHyphens;
      return lines.join(wrapstring);
    })
    .join(wrapstring);
}

export const JINJA_FILTERS: Record<string, Filter> = {
  abs: (v) => (isFloat(v) ? toFloat(Math.abs(num(v))) : Math.abs(num(v))),
  // A Python attribute, never a dict key: on data only the str/list/dict methods are attributes.
  attr: (v, [name]) => {
    const found = pyMethod(v, pyStr(name));
    if (!found) throw new PyError('AttributeError', `'${typeName(v)} object' has no attribute ${pyRepr(name)}`);
    return found;
  },
  batch: (v, [size, fill]) => {
    const items = toList(v);
    const n = num(size);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const last = out[out.length - 1];
    if (last && fill !== undefined && fill !== null) while (last.length < n) last.push(fill);
    return out;
  },
  capitalize: (v) => {
    const s = pyStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  center: (v, [w]) => {
    const s = pyStr(v);
    const width = w === undefined ? 80 : num(w);
    const gap = width - [...s].length;
    if (gap <= 0) return s;
    const left = Math.floor(gap / 2) + (gap & width & 1);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  },
  count: (v) => len(v),
  length: (v) => len(v),
  default: (v, [dflt, boolean], kw) => {
    const d = dflt ?? kw.default_value ?? '';
    if (v === undefined) return d;
    if ((boolean ?? kw.boolean) && !pyTruth(v)) return d;
    return v;
  },
  dictsort: (v, pos, kw) => {
    if (!isMapping(v)) throw new PyError('TypeError', 'dictsort requires a dict');
    const caseSensitive = kw.case_sensitive ?? pos[0] ?? false;
    const by = kw.by ?? pos[1] ?? 'key';
    const reverse = Boolean(kw.reverse ?? pos[2] ?? false);
    const idx = by === 'value' ? 1 : 0;
    const pairs = Object.entries(v).map(([k, x]) => PyTuple.of(k, x));
    return stableSort(
      pairs,
      (p) => (caseSensitive ? (p as unknown[])[idx] : ignoreCase((p as unknown[])[idx])),
      reverse,
    );
  },
  escape: (v) => escapeHtml(pyStr(v)),
  forceescape: (v) => escapeHtml(pyStr(v)),
  filesizeformat: (v, [binary]) => {
    const bytes = num(toFloatValue(v));
    const base = binary ? 1024 : 1000;
    const prefixes = binary
      ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']
      : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
    if (bytes === 1) return '1 Byte';
    if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
    let unit = base;
    let prefix = prefixes[0]!;
    for (let i = 0; i < prefixes.length; i++) {
      unit = base ** (i + 2);
      prefix = prefixes[i]!;
      if (bytes < unit) break;
    }
    return `${((base * bytes) / unit).toFixed(1)} ${prefix}`;
  },
  first: (v) => toList(v)[0],
  last: (v) => {
    const l = toList(v);
    return l[l.length - 1];
  },
  float: (v, [dflt]) => toFloatValue(v, dflt ?? new PyFloat(0)),
  format: (v, pos, kw) => percentFormat(pyStr(v), Object.keys(kw).length ? kw : PyTuple.of(...pos)),
  groupby: (v, pos, kw) => {
    const attribute = kw.attribute ?? pos[0];
    const caseSensitive = kw.case_sensitive ?? false;
    const get = attrGetter(attribute, caseSensitive ? undefined : ignoreCase, kw.default ?? pos[1]);
    const sorted = stableSort(toList(v), get, false);
    const groups: PyTuple[] = [];
    for (const item of sorted) {
      const k = get(item);
      const last = groups[groups.length - 1];
      if (last && pyEq(last[0], k)) (last[1] as unknown[]).push(item);
      else {
        const raw = caseSensitive ? k : attrGetter(attribute, undefined, kw.default ?? pos[1])(item);
        const g = PyTuple.of<unknown>(raw, [item]);
        Object.defineProperty(g, 'grouper', { value: raw, enumerable: false });
        Object.defineProperty(g, 'list', { get: () => g[1], enumerable: false });
        groups.push(g);
      }
    }
    return groups;
  },
  indent: (v, pos, kw) => {
    const s = pyStr(v);
    const width = kw.width ?? pos[0] ?? 4;
    const first = Boolean(kw.first ?? pos[1] ?? false);
    const blank = Boolean(kw.blank ?? pos[2] ?? false);
    const pad = typeof width === 'string' ? width : ' '.repeat(num(width));
    const lines = s.split('\n');
    const out = lines.map((l, i) => {
      if (i === 0 && !first) return l;
      if (!blank && l.trim() === '') return l;
      return pad + l;
    });
    return out.join('\n');
  },
  int: (v, pos, kw) => toInt(v, kw.default ?? pos[0] ?? 0, kw.base ?? pos[1] ?? 10),
  items: (v) => {
    if (v === undefined || v === null) return [];
    if (!isMapping(v)) throw new PyError('TypeError', `Can only get item pairs from a mapping.`);
    return Object.entries(v).map(([k, x]) => PyTuple.of(k, x));
  },
  join: (v, pos, kw) => {
    const d = pyStr(kw.d ?? pos[0] ?? '');
    const attribute = kw.attribute ?? pos[1];
    let items = toList(v);
    if (attribute !== undefined && attribute !== null) items = items.map(attrGetter(attribute));
    return items.map(pyStr).join(d);
  },
  list: (v) => [...toList(v)],
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  map: (v, pos, kw, env) => {
    const items = toList(v);
    if (pos.length === 0 && kw.attribute !== undefined) {
      return items.map(attrGetter(kw.attribute, undefined, kw.default));
    }
    const name = pos[0];
    if (typeof name !== 'string') throw new PyError('Error', 'map requires a filter name or attribute=');
    const f = env.filter(name);
    const args = pos.slice(1);
    return items.map((item) => f(item, args, kw, env));
  },
  max: minMax('max'),
  min: minMax('min'),
  pprint: (v) => pyRepr(v),
  random: (v) => {
    const items = toList(v);
    return items[Math.floor(Math.random() * items.length)];
  },
  reject: (v, pos, kw, env) => selectOrReject(env, v, pos, kw, false, false),
  rejectattr: (v, pos, kw, env) => selectOrReject(env, v, pos, kw, true, false),
  select: (v, pos, kw, env) => selectOrReject(env, v, pos, kw, false, true),
  selectattr: (v, pos, kw, env) => selectOrReject(env, v, pos, kw, true, true),
  replace: (v, pos, kw) => {
    const s = pyStr(v);
    const from = pyStr(pos[0]);
    const to = pyStr(pos[1]);
    const count = kw.count ?? pos[2];
    return pyReplace(s, from, to, count === undefined || count === null ? -1 : num(count));
  },
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...toList(v)].reverse()),
  round: (v, pos, kw) => {
    const precision = num(kw.precision ?? pos[0] ?? 0);
    const method = String(kw.method ?? pos[1] ?? 'common');
    const x = num(v);
    // round() of an int with the common method gives the int back.
    if (method === 'common' && typeof v === 'number' && Number.isInteger(v)) return v;
    const m = 10 ** precision;
    const r =
      method === 'ceil' ? Math.ceil(x * m) / m : method === 'floor' ? Math.floor(x * m) / m : pyRound(x, precision);
    return toFloat(r);
  },
  safe: (v) => pyStr(v),
  slice: (v, [slices, fill]) => {
    const items = toList(v);
    const n = num(slices);
    const per = Math.floor(items.length / n);
    const extra = items.length % n;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const start = offset + i * per;
      if (i < extra) offset++;
      const end = offset + (i + 1) * per;
      const part = items.slice(start, end);
      if (fill !== undefined && fill !== null && i >= extra) part.push(fill);
      out.push(part);
    }
    return out;
  },
  sort: (v, pos, kw) => {
    const reverse = Boolean(kw.reverse ?? pos[0] ?? false);
    const caseSensitive = kw.case_sensitive ?? pos[1] ?? false;
    const attribute = kw.attribute ?? pos[2];
    // `attribute='a,b'` sorts by a, then b (Jinja's multi-attribute getter).
    const keys =
      typeof attribute === 'string' && attribute.includes(',')
        ? attribute.split(',').map((a) => sortKey(caseSensitive, a))
        : undefined;
    const key = keys ? (x: unknown) => keys.map((k) => k(x)) : sortKey(caseSensitive, attribute);
    return stableSort(toList(v), key, reverse);
  },
  string: (v) => pyStr(v),
  striptags: (v) =>
    pyStr(v)
      .replace(/<!--[\s\S]*?-->|<\/?[a-zA-Z][^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  sum: (v, pos, kw) => {
    const attribute = kw.attribute ?? pos[0];
    let items = toList(v);
    if (attribute !== undefined && attribute !== null) items = items.map(attrGetter(attribute));
    let total: unknown = kw.start ?? pos[1] ?? 0;
    for (const item of items) {
      if (isNumber(total) && isNumber(item)) {
        const r = num(total) + num(item);
        total = isFloat(total) || isFloat(item) ? toFloat(r) : r;
      } else if (Array.isArray(total) && Array.isArray(item)) total = [...total, ...item];
      else
        throw new PyError(
          'TypeError',
          `unsupported operand type(s) for +: '${typeName(total)}' and '${typeName(item)}'`,
        );
    }
    return total;
  },
  // Jinja's title: pieces split at `-`, spaces and opening brackets, each capitalized (not Python's str.title).
  title: (v) =>
    pyStr(v)
      .split(/([-\s({[<]+)/u)
      .map((w, i) =>
        i % 2 === 1 || w === '' ? w : [...w][0]!.toUpperCase() + w.slice([...w][0]!.length).toLowerCase(),
      )
      .join(''),
  trim: (v, [chars]) => {
    const s = pyStr(v);
    if (chars === undefined || chars === null) return s.trim();
    const set = new Set(pyStr(chars));
    const cs = [...s];
    let a = 0;
    let b = cs.length;
    while (a < b && set.has(cs[a]!)) a++;
    while (b > a && set.has(cs[b - 1]!)) b--;
    return cs.slice(a, b).join('');
  },
  truncate: (v, pos, kw) => {
    const s = pyStr(v);
    const length = num(kw.length ?? pos[0] ?? 255);
    const killwords = Boolean(kw.killwords ?? pos[1] ?? false);
    const end = pyStr(kw.end ?? pos[2] ?? '...');
    const leeway = num(kw.leeway ?? pos[3] ?? 5);
    if (s.length <= length + leeway) return s;
    if (killwords) return s.slice(0, length - end.length) + end;
    const cut = s.slice(0, length - end.length);
    const i = cut.lastIndexOf(' ');
    return (i >= 0 ? cut.slice(0, i) : cut) + end;
  },
  tojson: (v, pos, kw) => htmlSafeJson(v, kw.indent ?? pos[0]),
  unique: (v, pos, kw) => {
    const key = sortKey(kw.case_sensitive ?? pos[0] ?? false, kw.attribute ?? pos[1]);
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const item of toList(v)) {
      const k = key(item);
      if (!seen.some((s) => pyEq(s, k))) {
        seen.push(k);
        out.push(item);
      }
    }
    return out;
  },
  urlencode: (v) => {
    const enc = (s: unknown): string =>
      encodeURIComponent(pyStr(s))
        .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%2F/g, '/');
    if (isMapping(v))
      return Object.entries(v)
        .map(([k, x]) => `${enc(k)}=${enc(x)}`)
        .join('&');
    return enc(v);
  },
  wordcount: (v) => (pyStr(v).match(/\w+/gu) ?? []).length,
  wordwrap: (v, pos, kw) =>
    wordwrap(
      pyStr(v),
      num(kw.width ?? pos[0] ?? 79),
      Boolean(kw.break_long_words ?? pos[1] ?? true),
      pyStr(kw.wrapstring ?? pos[2] ?? '\n'),
      Boolean(kw.break_on_hyphens ?? pos[3] ?? true),
    ),
};
JINJA_FILTERS.d = JINJA_FILTERS.default!;
JINJA_FILTERS.e = JINJA_FILTERS.escape!;

/** JSON as Python's json.dumps writes it: `, ` and `: ` separators, non-ASCII escaped, floats as repr. */
export function pyJson(
  v: unknown,
  opts: { indent?: number | string; sortKeys?: boolean; separators?: [string, string]; ensureAscii?: boolean } = {},
): string {
  const indentUnit = typeof opts.indent === 'number' ? ' '.repeat(opts.indent) : opts.indent;
  const [itemSep, keySep] = opts.separators ?? (indentUnit !== undefined ? [',', ': '] : [', ', ': ']);
  const ascii = opts.ensureAscii ?? true;
  const str = (s: string): string => {
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (ch === '"') out += '\\"';
      else if (ch === '\\') out += '\\\\';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else if (c < 0x20 || (ascii && c > 0x7e)) {
        if (c > 0xffff) {
          const hi = Math.floor((c - 0x10000) / 0x400) + 0xd800;
          const lo = ((c - 0x10000) % 0x400) + 0xdc00;
          out += `\\u${hi.toString(16)}\\u${lo.toString(16)}`;
        } else out += `\\u${c.toString(16).padStart(4, '0')}`;
      } else out += ch;
    }
    return `${out}"`;
  };
  const walk = (x: unknown, depth: number): string => {
    if (x === null || x === undefined) return 'null';
    if (x === true) return 'true';
    if (x === false) return 'false';
    if (x instanceof PyFloat || (typeof x === 'number' && !Number.isInteger(x))) {
      const n = num(x);
      return Number.isNaN(n) ? 'NaN' : n === Infinity ? 'Infinity' : n === -Infinity ? '-Infinity' : floatRepr(n);
    }
    if (typeof x === 'number') return pyStr(x);
    if (typeof x === 'string' || x instanceof String) return str(String(x));
    const nl = indentUnit !== undefined ? `\n${indentUnit.repeat(depth + 1)}` : '';
    const close = indentUnit !== undefined ? `\n${indentUnit.repeat(depth)}` : '';
    if (Array.isArray(x)) {
      if (x.length === 0) return '[]';
      return `[${nl}${x.map((i) => walk(i, depth + 1)).join(itemSep + nl)}${close}]`;
    }
    if (isMapping(x)) {
      let keys = Object.keys(x);
      if (keys.length === 0) return '{}';
      if (opts.sortKeys) keys = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${nl}${keys.map((k) => `${str(k)}${keySep}${walk(x[k], depth + 1)}`).join(itemSep + nl)}${close}}`;
    }
    throw new PyError('TypeError', `Object of type ${typeName(x)} is not JSON serializable`);
  };
  return walk(v, 0);
}

function htmlSafeJson(v: unknown, indent: unknown): string {
  const text = pyJson(v, { sortKeys: true, indent: indent === undefined || indent === null ? undefined : num(indent) });
  return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}

function cmpTest(op: (c: number) => boolean): Test {
  return (v, [other]) => op(pyCmp(v, other));
}

export const JINJA_TESTS: Record<string, Test> = {
  boolean: (v) => typeof v === 'boolean',
  callable: (v) => typeof v === 'function',
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  divisibleby: (v, [n]) => num(v) % num(n) === 0,
  eq: (v, [o]) => pyEq(v, o),
  ne: (v, [o]) => !pyEq(v, o),
  lt: cmpTest((c) => c < 0),
  le: cmpTest((c) => c <= 0),
  gt: cmpTest((c) => c > 0),
  ge: cmpTest((c) => c >= 0),
  escaped: () => false,
  even: (v) => num(v) % 2 === 0,
  odd: (v) => Math.abs(num(v) % 2) === 1,
  false: (v) => v === false,
  true: (v) => v === true,
  float: (v) => isFloat(v),
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  number: (v) => isNumber(v),
  in: (v, [seq]) => pyIn(v, seq),
  iterable: (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v),
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v),
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  mapping: (v) => isMapping(v),
  none: (v) => v === null,
  sameas: (v, [o]) => v === o,
  string: (v) => typeof v === 'string',
};
for (const [alias, name] of [
  ['==', 'eq'],
  ['equalto', 'eq'],
  ['!=', 'ne'],
  ['<', 'lt'],
  ['lessthan', 'lt'],
  ['<=', 'le'],
  ['>', 'gt'],
  ['greaterthan', 'gt'],
  ['>=', 'ge'],
] as const) {
  JINJA_TESTS[alias] = JINJA_TESTS[name]!;
}

/** Calls a filter the way nunjucks does (value first, keyword arguments last). */
export function nunjucksFilter(f: Filter, env: FilterEnv): (value: unknown, ...args: unknown[]) => unknown {
  return (value: unknown, ...args: unknown[]) => {
    const { pos, kw } = splitArgs(args);
    return f(value, pos, kw, env);
  };
}

export function nunjucksTest(t: Test, env: FilterEnv): (value: unknown, ...args: unknown[]) => boolean {
  return (value: unknown, ...args: unknown[]) => {
    const { pos, kw } = splitArgs(args);
    return t(value, pos, kw, env);
  };
}
