import {
  expFormat,
  generalFormat,
  isMapping,
  isNumber,
  num,
  pyEq,
  PyError,
  pyRepr,
  pyStr,
  PyTuple,
  typeName,
} from './python.js';

/**
 * The attributes templates may reach on a value, as Jinja2 resolves them on Python objects: a dict's keys,
 * a sequence's indexes and slices, and the str/list/dict methods Ansible playbooks call
 * (`path.split('/')`, `name.startswith('x')`, `d.get('k', 0)`). Nothing else: no JavaScript property
 * (`length`, `constructor`, prototypes) is reachable from a template. Methods that change a value in place
 * (`append`, `update`, `pop`) are left out: variables are shared between hosts, and one host's template must
 * not change what another host's sees.
 */

export interface Keywords {
  [name: string]: unknown;
}

/** Splits nunjucks' call arguments into positional ones and keyword ones (a trailing `__keywords` object). */
export function splitArgs(args: unknown[]): { pos: unknown[]; kw: Keywords } {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && (last as { __keywords?: boolean }).__keywords) {
    const kw: Keywords = { ...(last as Keywords) };
    delete kw.__keywords;
    return { pos: args.slice(0, -1), kw };
  }
  return { pos: args, kw: {} };
}

type Method = (self: never, pos: unknown[], kw: Keywords) => unknown;

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new PyError('TypeError', `${what} must be str, not ${typeName(v)}`);
  return v;
}

function optChars(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : str(v, 'strip arg');
}

function stripChars(s: string, chars: string | undefined, left: boolean, right: boolean): string {
  const set = chars === undefined ? null : new Set(chars);
  const drop = (c: string): boolean => (set ? set.has(c) : /\s/.test(c));
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && drop(cs[a]!)) a++;
  if (right) while (b > a && drop(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

export function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : num(maxsplit);
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (max >= 0 && out.length === max) {
        out.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const d = str(sep, 'separator');
  if (d === '') throw new PyError('ValueError', 'empty separator');
  const parts = s.split(d);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

function pyRsplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : num(maxsplit);
  if (max < 0) return pySplit(s, sep, -1);
  if (sep === undefined || sep === null) {
    const words = pySplit(s, null, -1);
    if (words.length <= max + 1) return words;
    const trimmed = s.replace(/\s+$/, '');
    const tail = words.slice(words.length - max);
    let cut = trimmed.length;
    for (const w of [...tail].reverse()) cut = trimmed.lastIndexOf(w, cut - w.length);
    return [trimmed.slice(0, cut).replace(/\s+$/, ''), ...tail];
  }
  const d = str(sep, 'separator');
  const parts = s.split(d);
  if (parts.length <= max + 1) return parts;
  return [parts.slice(0, parts.length - max).join(d), ...parts.slice(parts.length - max)];
}

function prefixes(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => str(x, 'tuple for startswith'));
  return [str(v, 'startswith first arg')];
}

function pad(s: string, width: unknown, fill: unknown, where: 'left' | 'right' | 'center'): string {
  const w = num(width);
  const f = fill === undefined ? ' ' : str(fill, 'fill character');
  const len = [...s].length;
  if (len >= w) return s;
  const total = w - len;
  if (where === 'right') return s + f.repeat(total);
  if (where === 'left') return f.repeat(total) + s;
  // CPython puts the odd fill character on the left only when both the gap and the width are odd.
  const left = Math.floor(total / 2) + (total & w & 1);
  return f.repeat(left) + s + f.repeat(total - left);
}

function find(s: string, sub: unknown, start: unknown, end: unknown, last: boolean): number {
  const a = start === undefined || start === null ? 0 : normIndex(num(start), s.length);
  const b = end === undefined || end === null ? s.length : normIndex(num(end), s.length);
  const hay = s.slice(0, b);
  const n = str(sub, 'substring');
  const i = last ? hay.lastIndexOf(n) : hay.indexOf(n, a);
  return i >= a ? i : -1;
}

function normIndex(i: number, len: number): number {
  return i < 0 ? Math.max(0, len + i) : Math.min(i, len);
}

/**
 * Python's str.replace: the first `count` occurrences (all when negative); an empty `from` matches between
 * characters.
 */
export function pyReplace(s: string, from: string, to: string, count: number): string {
  let n = count;
  if (from === '') {
    const chars = [...s];
    const out: string[] = [];
    for (let i = 0; i <= chars.length; i++) {
      if (n !== 0) {
        out.push(to);
        n--;
      }
      if (i < chars.length) out.push(chars[i]!);
    }
    return out.join('');
  }
  let out = '';
  let rest = s;
  while (n !== 0) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    out += rest.slice(0, i) + to;
    rest = rest.slice(i + from.length);
    n--;
  }
  return out + rest;
}

/** `str.splitlines()`: lines without their endings (`\n`, `\r\n`, `\r`), no empty last line. */
export function pySplitLines(s: string, keepends = false): string[] {
  const lines = s.split(/(?<=\r\n|\r(?!\n)|\n)/).filter((l) => l !== '');
  return keepends ? lines : lines.map((l) => l.replace(/\r?\n$|\r$/, ''));
}

/** Python's cased characters: upper, lower and title case letters. */
const CASED = /\p{Lu}|\p{Ll}|\p{Lt}/u;

const STRING_METHODS: Record<string, Method> = {
  split: (s: string, [sep, max], kw) => pySplit(s, sep ?? kw.sep, max ?? kw.maxsplit),
  rsplit: (s: string, [sep, max], kw) => pyRsplit(s, sep ?? kw.sep, max ?? kw.maxsplit),
  splitlines: (s: string, [keep]) => pySplitLines(s, Boolean(keep)),
  strip: (s: string, [c]) => stripChars(s, optChars(c), true, true),
  lstrip: (s: string, [c]) => stripChars(s, optChars(c), true, false),
  rstrip: (s: string, [c]) => stripChars(s, optChars(c), false, true),
  startswith: (s: string, [p]) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s: string, [p]) => prefixes(p).some((x) => s.endsWith(x)),
  replace: (s: string, [a, b, count]) => {
    const from = str(a, 'replace() argument 1');
    const to = str(b, 'replace() argument 2');
    return pyReplace(s, from, to, count === undefined ? -1 : num(count));
  },
  lower: (s: string) => s.toLowerCase(),
  upper: (s: string) => s.toUpperCase(),
  // Python's str.title(): a cased letter is upper after an uncased character (digits and `'` too), else lower.
  title: (s: string) => {
    let previousCased = false;
    let out = '';
    for (const c of s) {
      const cased = CASED.test(c);
      out += cased ? (previousCased ? c.toLowerCase() : c.toUpperCase()) : c;
      previousCased = cased;
    }
    return out;
  },
  capitalize: (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  swapcase: (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  format: (s: string, pos, kw) => strFormat(s, pos, kw),
  join: (s: string, [items]) =>
    toList(items)
      .map((x) => str(x, 'sequence item'))
      .join(s),
  find: (s: string, [sub, a, b]) => find(s, sub, a, b, false),
  rfind: (s: string, [sub, a, b]) => find(s, sub, a, b, true),
  index: (s: string, [sub, a, b]) => {
    const i = find(s, sub, a, b, false);
    if (i < 0) throw new PyError('ValueError', 'substring not found');
    return i;
  },
  count: (s: string, [sub]) => {
    const n = str(sub, 'count arg');
    return n === '' ? [...s].length + 1 : s.split(n).length - 1;
  },
  isdigit: (s: string) => /^\d+$/u.test(s),
  isnumeric: (s: string) => /^\p{N}+$/u.test(s),
  isdecimal: (s: string) => /^\p{Nd}+$/u.test(s),
  isalpha: (s: string) => /^\p{L}+$/u.test(s),
  isalnum: (s: string) => /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s: string) => /^\s+$/.test(s),
  islower: (s: string) => /\p{Ll}/u.test(s) && !/\p{Lu}/u.test(s),
  isupper: (s: string) => /\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s),
  istitle: (s: string) => {
    let previousCased = false;
    let any = false;
    for (const c of s) {
      if (/\p{Lu}|\p{Lt}/u.test(c)) {
        if (previousCased) return false;
        previousCased = any = true;
      } else if (/\p{Ll}/u.test(c)) {
        if (!previousCased) return false;
        previousCased = any = true;
      } else previousCased = false;
    }
    return any;
  },
  zfill: (s: string, [w]) => {
    const sign = /^[-+]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(num(w) - sign.length, '0');
  },
  center: (s: string, [w, f]) => pad(s, w, f, 'center'),
  ljust: (s: string, [w, f]) => pad(s, w, f, 'right'),
  rjust: (s: string, [w, f]) => pad(s, w, f, 'left'),
  partition: (s: string, [sep]) => {
    const d = str(sep, 'separator');
    const i = s.indexOf(d);
    return i < 0 ? PyTuple.of(s, '', '') : PyTuple.of(s.slice(0, i), d, s.slice(i + d.length));
  },
  rpartition: (s: string, [sep]) => {
    const d = str(sep, 'separator');
    const i = s.lastIndexOf(d);
    return i < 0 ? PyTuple.of('', '', s) : PyTuple.of(s.slice(0, i), d, s.slice(i + d.length));
  },
};

const LIST_METHODS: Record<string, Method> = {
  index: (l: unknown[], [x]) => {
    const i = l.findIndex((y) => pyEq(x, y));
    if (i < 0) throw new PyError('ValueError', `${pyRepr(x)} is not in list`);
    return i;
  },
  count: (l: unknown[], [x]) => l.filter((y) => pyEq(x, y)).length,
  copy: (l: unknown[]) => [...l],
};

const DICT_METHODS: Record<string, Method> = {
  items: (d: Record<string, unknown>) => Object.entries(d).map(([k, v]) => PyTuple.of(k, v)),
  keys: (d: Record<string, unknown>) => Object.keys(d),
  values: (d: Record<string, unknown>) => Object.values(d),
  get: (d: Record<string, unknown>, [k, dflt]) =>
    typeof k === 'string' || typeof k === 'number'
      ? Object.hasOwn(d, String(k))
        ? d[String(k)]
        : (dflt ?? null)
      : (dflt ?? null),
  copy: (d: Record<string, unknown>) => ({ ...d }),
};

/** Every method name a template may call, for `validate`. */
export const ALL_METHOD_NAMES = new Set([
  ...Object.keys(STRING_METHODS),
  ...Object.keys(LIST_METHODS),
  ...Object.keys(DICT_METHODS),
]);

/** Iterates a value as Python's `list(v)` would: a dict gives its keys, a string its characters. */
export function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v instanceof String) return [...String(v)];
  if (isMapping(v)) return Object.keys(v);
  if (v instanceof Set || v instanceof Map) return [...v.keys()];
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
}

function bind(self: unknown, m: Method): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const { pos, kw } = splitArgs(args);
    return m(self as never, pos, kw);
  };
}

/** A str/list/dict method of a value, bound to it; undefined when the value's type has no such method. */
export function pyMethod(obj: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (obj instanceof String) obj = String(obj);
  const table =
    typeof obj === 'string'
      ? STRING_METHODS
      : Array.isArray(obj)
        ? LIST_METHODS
        : isMapping(obj)
          ? DICT_METHODS
          : undefined;
  return table && Object.hasOwn(table, name) ? bind(obj, table[name]!) : undefined;
}

/**
 * `obj.key` and `obj[key]`: dict keys, then methods; sequence indexes (negative from the end), then methods.
 * Undefined when there is no such attribute, so the strict layer can name what is missing.
 */
export function pyGetAttr(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return undefined;
  if (obj instanceof String) obj = String(obj);
  if (typeof obj === 'string' || Array.isArray(obj)) {
    if (typeof key === 'number' || typeof key === 'boolean') {
      const len = obj.length;
      const i = num(key) < 0 ? len + num(key) : num(key);
      if (!Number.isInteger(i) || i < 0 || i >= len) return undefined;
      return typeof obj === 'string' ? [...obj][i] : obj[i];
    }
    if (typeof key !== 'string') return undefined;
    // groupby's tuples carry `grouper` and `list`, as Jinja's named tuples do.
    if (obj instanceof PyTuple && (key === 'grouper' || key === 'list') && Object.hasOwn(obj, key)) {
      return (obj as unknown as Record<string, unknown>)[key];
    }
    const table = typeof obj === 'string' ? STRING_METHODS : LIST_METHODS;
    return Object.hasOwn(table, key) ? bind(obj, table[key]!) : undefined;
  }
  if (isMapping(obj)) {
    const k = typeof key === 'number' ? String(key) : key;
    if (typeof k !== 'string') return undefined;
    if (Object.hasOwn(obj, k)) return obj[k];
    if (Object.hasOwn(DICT_METHODS, k)) return bind(obj, DICT_METHODS[k]!);
    return undefined;
  }
  return undefined;
}

/** `seq[start:stop:step]`. */
export function pySlice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const isStr = typeof obj === 'string' || obj instanceof String;
  const items: unknown[] = isStr ? [...String(obj)] : Array.isArray(obj) ? obj : [];
  if (!isStr && !Array.isArray(obj)) throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
  const len = items.length;
  const st = step === null || step === undefined ? 1 : num(step);
  if (st === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === null || v === undefined) return dflt;
    let i = num(v);
    if (i < 0) i += len;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    const a = clamp(start, 0, 0, len);
    const b = clamp(stop, len, 0, len);
    for (let i = a; i < b; i += st) out.push(items[i]);
  } else {
    const a = clamp(start, len - 1, -1, len - 1);
    const b = clamp(stop, -1, -1, len - 1);
    for (let i = a; i > b; i += st) out.push(items[i]);
  }
  if (isStr) return out.join('');
  return obj instanceof PyTuple ? PyTuple.of(...out) : out;
}

// ---- str.format ----

function strFormat(fmt: string, pos: unknown[], kw: Keywords): string {
  let auto = 0;
  // A replacement field may hold fields of its own in its spec (`{0:>{1}}`), one level deep as in Python.
  const fields = /\{\{|\}\}|\{((?:[^{}]|\{[^{}]*\})*)\}/g;
  const expand = (text: string, nested: boolean): string =>
    text.replace(fields, (m, field?: string) => {
      if (m === '{{' && !nested) return '{';
      if (m === '}}' && !nested) return '}';
      const f = /^([^!:.[]*)((?:\.[^!:.[]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(field ?? '');
      if (!f) throw new PyError('ValueError', `bad format field {${field}}`);
      const [, name = '', path = '', conv, rawSpec = ''] = f;
      let v: unknown = name === '' ? pos[auto++] : /^\d+$/.test(name) ? pos[Number(name)] : kw[name];
      if (v === undefined) throw new PyError(name === '' || /^\d+$/.test(name) ? 'IndexError' : 'KeyError', name);
      for (const part of path.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
        const attr = part.startsWith('.');
        const key = attr ? part.slice(1) : part.slice(1, -1);
        // `.name` is an attribute (a dict has none of its keys as attributes); `[key]` an item.
        if (attr && isMapping(v)) {
          throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute '${key}'`);
        }
        v = pyGetAttr(v, /^\d+$/.test(key) && (Array.isArray(v) || typeof v === 'string') ? Number(key) : key);
      }
      if (conv === 'r' || conv === 'a') v = pyRepr(v);
      else if (conv === 's') v = pyStr(v);
      return formatSpec(v, nested ? rawSpec : expand(rawSpec, true));
    });
  return expand(fmt, false);
}

/** Python's format-spec mini-language: [[fill]align][sign][#][0][width][,][.precision][type]. */
function formatSpec(v: unknown, spec: string): string {
  const m = /^(?:(.)?([<>^=]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) throw new PyError('ValueError', `Invalid format specifier '${spec}'`);
  const [, fillCh, alignCh, sign, alternate, zero, widthText, group, precText, type] = m;
  const prec = precText === undefined ? undefined : Number(precText);
  let body: string;
  const numeric = isNumber(v) && typeof v !== 'boolean' ? true : typeof v === 'boolean' && type !== undefined;
  if (!numeric) {
    if (type && type !== 's')
      throw new PyError('ValueError', `Unknown format code '${type}' for object of type '${typeName(v)}'`);
    body = pyStr(v);
    if (prec !== undefined) body = body.slice(0, prec);
  } else {
    const n = num(v);
    switch (type) {
      case 'd':
      case 'n':
        body = String(Math.abs(Math.trunc(n)));
        break;
      case 'x':
      case 'X':
      case 'o':
      case 'b':
        body = Math.abs(Math.trunc(n)).toString(type === 'o' ? 8 : type === 'b' ? 2 : 16);
        if (alternate) body = `0${type === 'X' ? 'x' : type}${body}`;
        if (type === 'X') body = body.toUpperCase();
        break;
      case 'f':
      case 'F':
        body = Math.abs(n).toFixed(prec ?? 6);
        break;
      case 'e':
      case 'E':
        body = expFormat(Math.abs(n), prec ?? 6);
        if (type === 'E') body = body.toUpperCase();
        break;
      case '%':
        body = `${(Math.abs(n) * 100).toFixed(prec ?? 6)}%`;
        break;
      case 'g':
      case 'G':
        body = generalFormat(Math.abs(n), prec ?? 6);
        break;
      default:
        body = prec !== undefined ? generalFormat(Math.abs(n), prec) : pyStr(Math.abs(n) === n ? v : -n);
        if (n < 0) body = body.replace(/^-/, '');
    }
    if (group) {
      const [int, frac] = body.split('.') as [string, string | undefined];
      body = int.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (frac !== undefined ? `.${frac}` : '');
    }
    const s = n < 0 || Object.is(n, -0) ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
    body = s + body;
  }
  const width = widthText ? Number(widthText) : 0;
  const align = alignCh ?? (zero && numeric ? '=' : numeric ? '>' : '<');
  const fill = fillCh ?? (zero && !alignCh ? '0' : ' ');
  const len = [...body].length;
  if (len >= width) return body;
  const gap = width - len;
  switch (align) {
    case '<':
      return body + fill.repeat(gap);
    case '>':
      return fill.repeat(gap) + body;
    case '^':
      return fill.repeat(Math.floor(gap / 2)) + body + fill.repeat(gap - Math.floor(gap / 2));
    default: {
      const signPart = /^[-+ ]/.test(body) ? body[0]! : '';
      return signPart + fill.repeat(gap) + body.slice(signPart.length);
    }
  }
}
