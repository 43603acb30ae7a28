import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { ipaddr, ipmath, ipwrap } from './ipaddr.js';
import { attrGetter, JINJA_FILTERS, pyJson, type Filter, type Test } from './jinja-filters.js';
import { pySplit, toList } from './methods.js';
import { parsePyJson, parsePyYaml, parsePyYamlAll } from './py-json.js';
import { pyRegex, pySub } from './py-regex.js';
import {
  isMapping,
  isNumber,
  num,
  pyEq,
  PyError,
  PyFloat,
  pyIn,
  pyStr,
  pyTruth,
  PyTuple,
  toFloat,
  typeName,
} from './python.js';
import { randomSalt, SALT_ALPHABET, sha512Crypt } from './sha-crypt.js';
import { strftime } from './strftime.js';
import { pyYamlDump } from './yaml-dump.js';

/**
 * The filters and tests Ansible adds to Jinja2 (ansible.builtin's core, mathstuff, urls and the common
 * `ansible.utils.ipaddr` basics), with Ansible's argument names and results. Each is also registered
 * under its fully qualified name (`ansible.builtin.to_json`). None of them reads a file or runs a program.
 */

function text(v: unknown): string {
  return typeof v === 'string' ? v : pyStr(v);
}

function isSequence(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

function flatten(list: unknown[], levels: number | null, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const el of list) {
    if (skipNulls && (el === null || el === undefined || el === 'None' || el === 'null')) continue;
    if (isSequence(el)) {
      if (levels === null) out.push(...flatten(el, null, skipNulls));
      else if (levels >= 1) out.push(...flatten(el, levels - 1, skipNulls));
      else out.push(el);
    } else out.push(el);
  }
  return out;
}

function uniqueStrict(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => pyEq(x, y))) out.push(x);
  return out;
}

/** Ansible's merge_hash: `b` wins; nested dicts merge when recursive; lists follow list_merge. */
function mergeHash(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  recursive: boolean,
  listMerge: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    if (!Object.hasOwn(out, k)) {
      out[k] = bv;
      continue;
    }
    if (recursive && isMapping(av) && isMapping(bv)) {
      out[k] = mergeHash(av, bv, recursive, listMerge);
      continue;
    }
    if (Array.isArray(av) && Array.isArray(bv) && listMerge !== 'replace') {
      switch (listMerge) {
        case 'keep':
          out[k] = av;
          break;
        case 'append':
          out[k] = [...av, ...bv];
          break;
        case 'prepend':
          out[k] = [...bv, ...av];
          break;
        case 'append_rp':
          out[k] = [...av.filter((x) => !bv.some((y) => pyEq(x, y))), ...bv];
          break;
        case 'prepend_rp':
          out[k] = [...bv, ...av.filter((x) => !bv.some((y) => pyEq(x, y)))];
          break;
        default:
          throw new PyError(
            'Error',
            "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', " +
              "'append_rp' or 'prepend_rp'",
          );
      }
      continue;
    }
    out[k] = bv;
  }
  return out;
}

function hashOf(data: unknown, algorithm: string): string {
  const name = algorithm.toLowerCase();
  try {
    return createHash(name).update(text(data), 'utf8').digest('hex');
  } catch {
    throw new PyError('Error', `unsupported hash type ${algorithm}`);
  }
}

function product(lists: unknown[][]): PyTuple[] {
  let acc: unknown[][] = [[]];
  for (const l of lists) acc = acc.flatMap((prefix) => l.map((x) => [...prefix, x]));
  return acc.map((t) => PyTuple.of(...t));
}

/** POSIX shell quoting exactly as Python's shlex.quote. */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function toUuid(name: string, namespace = '361e6d51-faec-444a-9079-341386da8e2e'): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function humanReadable(size: unknown, isbits: unknown, unit: unknown): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  const n = num(size);
  let i = 0;
  if (unit) i = Math.max(0, units.indexOf(String(unit)[0]!.toUpperCase()));
  else while (i < units.length - 1 && Math.abs(n) >= 1024 ** (i + 1)) i++;
  const v = n / 1024 ** i;
  const suffix = isbits ? (i ? `${units[i]}b` : 'bits') : i ? `${units[i]}B` : 'Bytes';
  return `${v.toFixed(2)} ${suffix}`;
}

function humanToBytes(size: unknown, dflt: unknown, isbits: unknown): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([KMGTPEZY]?)(i?)([bB]?)(?:it|its|yte|ytes)?\s*$/i.exec(text(size));
  if (!m) throw new PyError('Error', `human_to_bytes() can't interpret following string: ${text(size)}`);
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  const prefix = (m[2] || (dflt ? String(dflt)[0] : '') || '').toUpperCase();
  const p = units.indexOf(prefix);
  void isbits;
  return Math.round(Number(m[1]) * 1024 ** Math.max(0, p));
}

function regexFlags(kw: Record<string, unknown>, pos: unknown[] = []): { ignorecase: boolean; multiline: boolean } {
  return {
    ignorecase: pyTruth(kw.ignorecase ?? false),
    multiline: pyTruth(kw.multiline ?? false),
    ...(pos.length ? {} : {}),
  };
}

export const ANSIBLE_FILTERS: Record<string, Filter> = {
  to_json: (v, _pos, kw) =>
    pyJson(v, {
      indent: kw.indent === undefined || kw.indent === null ? undefined : num(kw.indent),
      sortKeys: pyTruth(kw.sort_keys ?? false),
      ensureAscii: kw.ensure_ascii === undefined ? true : pyTruth(kw.ensure_ascii),
    }),
  to_nice_json: (v, pos, kw) =>
    pyJson(v, {
      indent: num(kw.indent ?? pos[0] ?? 4),
      sortKeys: pyTruth(kw.sort_keys ?? pos[1] ?? true),
      separators: [',', ': '],
      ensureAscii: kw.ensure_ascii === undefined ? true : pyTruth(kw.ensure_ascii),
    }),
  from_json: (v) => {
    try {
      return parsePyJson(text(v));
    } catch (err) {
      throw new PyError('Error', `from_json: ${(err as Error).message}`);
    }
  },
  to_yaml: (v, _pos, kw) =>
    pyYamlDump(v, {
      flowStyle: kw.default_flow_style === undefined ? null : (kw.default_flow_style as boolean | null),
      indent: kw.indent === undefined ? 2 : num(kw.indent),
      width: kw.width === undefined ? 80 : num(kw.width),
      sortKeys: kw.sort_keys === undefined ? true : pyTruth(kw.sort_keys),
    }),
  to_nice_yaml: (v, pos, kw) =>
    pyYamlDump(v, {
      flowStyle: false,
      indent: num(kw.indent ?? pos[0] ?? 4),
      width: kw.width === undefined ? 80 : num(kw.width),
      sortKeys: kw.sort_keys === undefined ? true : pyTruth(kw.sort_keys),
    }),
  from_yaml: (v) => (typeof v === 'string' ? parsePyYaml(v) : v),
  from_yaml_all: (v) => (typeof v === 'string' ? parsePyYamlAll(v) : v),
  bool: (v) => {
    if (v === null || v === undefined || typeof v === 'boolean') return v ?? null;
    const x = typeof v === 'string' ? v.toLowerCase() : v;
    return ['yes', 'on', '1', 'true'].includes(x as string) || (isNumber(x) && num(x) === 1);
  },
  quote: (v) => shellQuote(v === null || v === undefined ? '' : text(v)),
  regex_replace: (v, pos, kw) =>
    pySub(text(pos[0] ?? kw.pattern ?? ''), text(pos[1] ?? kw.replacement ?? ''), text(v ?? ''), {
      ignorecase: pyTruth(pos[2] ?? kw.ignorecase ?? false),
      multiline: pyTruth(pos[3] ?? kw.multiline ?? false),
    }),
  regex_findall: (v, pos, kw) => {
    const re = pyRegex(
      text(pos[0] ?? kw.regex),
      {
        multiline: pyTruth(pos[1] ?? kw.multiline ?? false),
        ignorecase: pyTruth(pos[2] ?? kw.ignorecase ?? false),
      },
      true,
    );
    const out: unknown[] = [];
    const s = text(v);
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m.length === 1) out.push(m[0]);
      else if (m.length === 2) out.push(m[1] ?? '');
      else out.push(PyTuple.of(...m.slice(1).map((g) => g ?? '')));
      if (m[0] === '') re.lastIndex++;
    }
    return out;
  },
  regex_search: (v, pos, kw) => {
    const [regex, ...groupsArgs] = pos;
    const groups = groupsArgs.map((a) => {
      const s = text(a);
      const named = /^\\g<(\S+)>/.exec(s);
      if (named) return named[1]!;
      const n = /^\\(\d+)/.exec(s);
      if (n) return Number(n[1]);
      throw new PyError('Error', 'Unknown argument');
    });
    const m = pyRegex(text(regex), regexFlags(kw)).exec(text(v));
    if (!m) return null;
    if (groups.length === 0) return m[0];
    return groups.map((g) => (typeof g === 'number' ? (m[g] ?? null) : (m.groups?.[g] ?? null)));
  },
  regex_escape: (v) => text(v).replace(/[^A-Za-z0-9_]/g, (c) => (c.codePointAt(0)! > 127 ? c : `\\${c}`)),
  ternary: (v, [t, f, n]) => (v === null && n !== undefined && n !== null ? n : pyTruth(v) ? t : f),
  hash: (v, [algo]) => hashOf(v, text(algo ?? 'sha1')),
  checksum: (v) => hashOf(v, 'sha1'),
  sha1: (v) => hashOf(v, 'sha1'),
  md5: (v) => hashOf(v, 'md5'),
  password_hash: (v, pos, kw) => {
    const type = text(kw.hashtype ?? pos[0] ?? 'sha512');
    if (type !== 'sha512') throw new PyError('Error', `password_hash: only sha512 is supported, not ${type}`);
    const salt = kw.salt ?? pos[1];
    const rounds = kw.rounds ?? pos[3];
    const s = salt === undefined || salt === null ? randomSalt(16) : text(salt);
    if (!SALT_ALPHABET.test(s)) throw new PyError('Error', `invalid characters in salt`);
    return sha512Crypt(text(v), s, rounds === undefined || rounds === null ? undefined : num(rounds));
  },
  to_uuid: (v, [ns]) => toUuid(text(v), ns === undefined ? undefined : text(ns)),
  mandatory: (v, [msg]) => {
    if (v === undefined) throw new PyError('Error', msg !== undefined ? text(msg) : 'Mandatory variable not defined.');
    return v;
  },
  combine: (v, pos, kw) => {
    const recursive = pyTruth(kw.recursive ?? false);
    const listMerge = text(kw.list_merge ?? 'replace');
    const dicts = flatten([v, ...pos], 1, false);
    if (dicts.length === 0) return {};
    for (const d of dicts) {
      if (!isMapping(d)) throw new PyError('Error', `combine expects dictionaries, got ${pyStr(d)}`);
    }
    return (dicts as Record<string, unknown>[]).reduce((a, b) => mergeHash(a, b, recursive, listMerge));
  },
  dict2items: (v, pos, kw) => {
    if (!isMapping(v)) throw new PyError('Error', `dict2items requires a dictionary, got ${typeName(v)} instead.`);
    const k = text(kw.key_name ?? pos[0] ?? 'key');
    const val = text(kw.value_name ?? pos[1] ?? 'value');
    return Object.entries(v).map(([key, x]) => ({ [k]: key, [val]: x }));
  },
  items2dict: (v, pos, kw) => {
    if (!Array.isArray(v)) throw new PyError('Error', `items2dict requires a list, got ${typeName(v)} instead.`);
    const k = text(kw.key_name ?? pos[0] ?? 'key');
    const val = text(kw.value_name ?? pos[1] ?? 'value');
    const out: Record<string, unknown> = {};
    for (const item of v) {
      if (!isMapping(item) || !Object.hasOwn(item, k) || !Object.hasOwn(item, val)) {
        throw new PyError(
          'Error',
          `items2dict requires each dictionary in the list to contain the keys '${k}' and '${val}'`,
        );
      }
      out[pyStr(item[k])] = item[val];
    }
    return out;
  },
  flatten: (v, pos, kw) => {
    const levels = kw.levels ?? pos[0];
    return flatten(
      toList(v),
      levels === undefined || levels === null ? null : num(levels),
      pyTruth(kw.skip_nulls ?? pos[1] ?? true),
    );
  },
  union: (a, [b]) => uniqueStrict([...toList(a), ...toList(b)]),
  intersect: (a, [b]) => uniqueStrict(toList(a).filter((x) => toList(b).some((y) => pyEq(x, y)))),
  difference: (a, [b]) => uniqueStrict(toList(a).filter((x) => !toList(b).some((y) => pyEq(x, y)))),
  symmetric_difference: (a, [b]) => {
    const la = toList(a);
    const lb = toList(b);
    const isect = uniqueStrict(la.filter((x) => lb.some((y) => pyEq(x, y))));
    return uniqueStrict([...la, ...lb]).filter((x) => !isect.some((y) => pyEq(x, y)));
  },
  zip: (v, pos) => {
    const lists = [toList(v), ...pos.map(toList)];
    const n = Math.min(...lists.map((l) => l.length));
    return [...Array(n).keys()].map((i) => PyTuple.of(...lists.map((l) => l[i])));
  },
  zip_longest: (v, pos, kw) => {
    const lists = [toList(v), ...pos.map(toList)];
    const n = Math.max(...lists.map((l) => l.length));
    const fill = kw.fillvalue ?? null;
    return [...Array(n).keys()].map((i) => PyTuple.of(...lists.map((l) => (i < l.length ? l[i] : fill))));
  },
  product: (v, pos, kw) => {
    const lists = [toList(v), ...pos.map(toList)];
    const repeat = num(kw.repeat ?? 1);
    const all: unknown[][] = [];
    for (let i = 0; i < repeat; i++) all.push(...lists);
    return product(all);
  },
  permutations: (v, [r]) => {
    const items = toList(v);
    const size = r === undefined || r === null ? items.length : num(r);
    const out: PyTuple[] = [];
    const walk = (prefix: number[]): void => {
      if (prefix.length === size) {
        out.push(PyTuple.of(...prefix.map((i) => items[i])));
        return;
      }
      for (let i = 0; i < items.length; i++) if (!prefix.includes(i)) walk([...prefix, i]);
    };
    walk([]);
    return out;
  },
  combinations: (v, [r]) => {
    const items = toList(v);
    const size = num(r);
    const out: PyTuple[] = [];
    const walk = (start: number, prefix: unknown[]): void => {
      if (prefix.length === size) {
        out.push(PyTuple.of(...prefix));
        return;
      }
      for (let i = start; i < items.length; i++) walk(i + 1, [...prefix, items[i]]);
    };
    walk(0, []);
    return out;
  },
  split: (v, [sep, max]) => pySplit(text(v), sep, max),
  b64encode: (v) => Buffer.from(text(v), 'utf8').toString('base64'),
  b64decode: (v) => Buffer.from(text(v), 'base64').toString('utf8'),
  basename: (v) => {
    const s = text(v);
    return s.endsWith('/') ? '' : basename(s);
  },
  dirname: (v) => {
    const s = text(v);
    const i = s.lastIndexOf('/');
    if (i < 0) return '';
    const head = s.slice(0, i + 1);
    return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
  },
  splitext: (v) => {
    const s = text(v);
    const ext = extname(s);
    return PyTuple.of(s.slice(0, s.length - ext.length), ext);
  },
  path_join: (v) => {
    const parts = typeof v === 'string' ? [v] : toList(v).map(text);
    let out = '';
    for (const p of parts) out = p.startsWith('/') ? p : out === '' || out.endsWith('/') ? out + p : `${out}/${p}`;
    return out;
  },
  win_basename: (v) => text(v).split(/[\\/]/).pop() ?? '',
  subelements: (v, pos, kw) => {
    const elements = isMapping(v) ? Object.values(v) : toList(v);
    const path = pos[0];
    const keys = Array.isArray(path) ? path.map(text) : text(path).split('.');
    const skipMissing = pyTruth(kw.skip_missing ?? pos[1] ?? false);
    const out: PyTuple[] = [];
    for (const el of elements) {
      let values: unknown = el;
      for (const k of keys) {
        if (!isMapping(values) || !Object.hasOwn(values, k)) {
          if (skipMissing) {
            values = [];
            break;
          }
          throw new PyError('Error', `could not find '${k}' key in iterated item ${pyStr(values)}`);
        }
        values = values[k];
      }
      if (!Array.isArray(values))
        throw new PyError('Error', `the key ${keys.join('.')} should point to a list, got ${pyStr(values)}`);
      for (const x of values) out.push(PyTuple.of(el, x));
    }
    return out;
  },
  extract: (v, [container, morekeys]) => {
    let out = attrGetter(v)(container);
    for (const k of morekeys === undefined || morekeys === null
      ? []
      : Array.isArray(morekeys)
        ? morekeys
        : [morekeys]) {
      out = attrGetter(k)(out);
    }
    return out;
  },
  type_debug: (v) => typeName(v),
  log: (v, [base]) => {
    const n = num(v);
    return toFloat(base === undefined ? Math.log(n) : Math.log(n) / Math.log(num(base)));
  },
  pow: (v, [y]) => toFloat(num(v) ** num(y)),
  root: (v, [base]) => {
    const b = base === undefined ? 2 : num(base);
    return toFloat(b === 2 ? Math.sqrt(num(v)) : num(v) ** (1 / b));
  },
  human_readable: (v, pos, kw) => humanReadable(v, kw.isbits ?? pos[0], kw.unit ?? pos[1]),
  human_to_bytes: (v, pos, kw) => humanToBytes(v, kw.default_unit ?? pos[0], kw.isbits ?? pos[1]),
  ipaddr: (v, [q], kw) => ipaddr(v, kw.query ?? q),
  ipv4: (v, [q], kw) => ipaddr(v, kw.query ?? q, 4, 'ipv4'),
  ipv6: (v, [q], kw) => ipaddr(v, kw.query ?? q, 6, 'ipv6'),
  ipmath: (v, [amount], kw) => ipmath(v, kw.amount ?? amount),
  // The collection's ipwrap reads its query only by keyword: a positional one is ignored.
  ipwrap: (v, _pos, kw) => ipwrap(v, kw.query),
  strftime: (v, [second, utc], kw) => strftime(v, kw.second ?? second, kw.utc ?? utc),
  urlsplit: (v, [part]) => {
    const u = new URL(text(v));
    const parts: Record<string, unknown> = {
      scheme: u.protocol.replace(/:$/, ''),
      netloc: u.host,
      path: u.pathname,
      query: u.search.replace(/^\?/, ''),
      fragment: u.hash.replace(/^#/, ''),
      hostname: u.hostname,
      port: u.port ? Number(u.port) : null,
      username: u.username || null,
      password: u.password || null,
    };
    return part === undefined ? parts : parts[text(part)];
  },
  dict: (v) => Object.fromEntries(toList(v).map((p) => [pyStr((p as unknown[])[0]), (p as unknown[])[1]])),
};

/** Ansible's overrides of Jinja filters that keep Jinja's results (listed so `validate` knows them). */
ANSIBLE_FILTERS.unique = JINJA_FILTERS.unique!;
ANSIBLE_FILTERS.min = JINJA_FILTERS.min!;
ANSIBLE_FILTERS.max = JINJA_FILTERS.max!;

function versionParts(v: string, strict: boolean): (number | string)[] {
  if (strict && !/^\d+\.\d+(\.\d+)?([ab]\d+)?$/.test(v)) throw new PyError('Error', `invalid version number '${v}'`);
  return (
    v
      .match(/\d+|[a-z]+|\./gi)
      ?.filter((p) => p !== '.')
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p)) ?? []
  );
}

/** LooseVersion ordering, Ansible's default for the `version` test. */
function compareVersions(a: string, b: string, strict: boolean): number {
  const pa = versionParts(a, strict);
  const pb = versionParts(b, strict);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (typeof x === typeof y) return x < y ? -1 : 1;
    throw new PyError('Error', `Version comparison failed: '<' not supported between instances of 'int' and 'str'`);
  }
  return pa.length - pb.length;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

const versionTest: Test = (v, pos, kw) => {
  const op = text(kw.operator ?? pos[1] ?? 'eq');
  const check = VERSION_OPS[op];
  if (!check) throw new PyError('Error', `Invalid operator type (${op})`);
  const strict = pyTruth(kw.strict ?? pos[2] ?? false);
  const type = text(kw.version_type ?? pos[3] ?? (strict ? 'strict' : 'loose'));
  return check(compareVersions(pyStr(v), pyStr(kw.version ?? pos[0]), type === 'strict'));
};

function flag(name: string): Test {
  return (v) => {
    if (!isMapping(v)) throw new PyError('Error', `The '${name}' test expects a dictionary`);
    return pyTruth(v[name]);
  };
}

function regexTest(mode: 'match' | 'search' | 'fullmatch'): Test {
  return (v, pos, kw) => {
    const pattern = text(pos[0] ?? kw.pattern);
    const src = mode === 'match' ? `^(?:${pattern})` : mode === 'fullmatch' ? `^(?:${pattern})$` : pattern;
    return pyRegex(src, {
      ignorecase: pyTruth(kw.ignorecase ?? pos[1] ?? false),
      multiline: pyTruth(kw.multiline ?? pos[2] ?? false),
    }).test(text(v));
  };
}

export const ANSIBLE_TESTS: Record<string, Test> = {
  failed: flag('failed'),
  changed: flag('changed'),
  skipped: flag('skipped'),
  succeeded: (v) => !flag('failed')(v, [], {}, undefined as never),
  finished: (v) => isMapping(v) && (v.finished === undefined || pyTruth(v.finished)),
  started: (v) => isMapping(v) && (v.started === undefined || pyTruth(v.started)),
  reachable: (v) => isMapping(v) && !pyTruth(v.unreachable),
  unreachable: (v) => isMapping(v) && pyTruth(v.unreachable),
  match: regexTest('match'),
  search: regexTest('search'),
  regex: (v, pos, kw) => {
    const type = text(kw.match_type ?? pos[3] ?? 'search');
    return regexTest(type === 'match' ? 'match' : type === 'fullmatch' ? 'fullmatch' : 'search')(
      v,
      pos,
      kw,
      undefined as never,
    );
  },
  version: versionTest,
  version_compare: versionTest,
  any: (v) => toList(v).some(pyTruth),
  all: (v) => toList(v).every(pyTruth),
  truthy: (v, [convert]) => pyTruth(convert ? ANSIBLE_FILTERS.bool!(v, [], {}, undefined as never) : v),
  falsy: (v, [convert]) => !pyTruth(convert ? ANSIBLE_FILTERS.bool!(v, [], {}, undefined as never) : v),
  subset: (a, [b]) => toList(a).every((x) => toList(b).some((y) => pyEq(x, y))),
  superset: (a, [b]) => toList(b).every((x) => toList(a).some((y) => pyEq(x, y))),
  contains: (seq, [item]) => pyIn(item, seq),
  nan: (v) => (v instanceof PyFloat ? false : typeof v === 'number' && Number.isNaN(v)),
  abs: (v) => text(v).startsWith('/'),
  vault_encrypted: (v) => typeof v === 'string' && v.startsWith('$ANSIBLE_VAULT;'),
};
for (const [alias, name] of [
  ['failure', 'failed'],
  ['change', 'changed'],
  ['skip', 'skipped'],
  ['success', 'succeeded'],
  ['successful', 'succeeded'],
  ['issubset', 'subset'],
  ['issuperset', 'superset'],
  ['isabs', 'abs'],
] as const) {
  ANSIBLE_TESTS[alias] = ANSIBLE_TESTS[name]!;
}
