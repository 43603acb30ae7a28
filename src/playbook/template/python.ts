/**
 * Python's value semantics, as Jinja2 under Ansible applies them: printing (`str`/`repr`), truth, equality,
 * ordering, `in`, and arithmetic that keeps integers and floats apart. Templates see JavaScript values; a
 * float whose value is integral (`4 / 2`, `2.0`) is boxed as PyFloat so it still prints as `2.0`.
 */

/** A Python float whose value happens to be integral; other floats are plain non-integral numbers. */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A tuple: an array that prints with parentheses (`dict.items()`, `zip`, `(a, b)`). */
export class PyTuple<T = unknown> extends Array<T> {
  static override of<T>(...items: T[]): PyTuple<T> {
    const t = new PyTuple<T>();
    t.push(...items);
    return t;
  }
}

/** A Python exception raised by template code; the message reads as Python's would. */
export class PyError extends Error {
  constructor(
    readonly type:
      | 'TypeError'
      | 'ValueError'
      | 'ZeroDivisionError'
      | 'KeyError'
      | 'IndexError'
      | 'AttributeError'
      | 'Error',
    message: string,
  ) {
    super(`${type}: ${message}`);
    this.name = type;
  }
}

const NAMESPACES = new WeakSet<object>();

/** `namespace(…)`: the one object a template may change (`{% set ns.x = … %}`), a mapping of its own. */
export function makeNamespace(entries: Record<string, unknown>): Record<string, unknown> {
  const ns = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(entries)) {
    Object.defineProperty(ns, k, { value: v, writable: true, enumerable: true, configurable: true });
  }
  NAMESPACES.add(ns);
  return ns;
}

export function isNamespace(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && NAMESPACES.has(v);
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** A float result: integral values are boxed so their floatness survives. */
export function toFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export function isNumber(v: unknown): v is number | PyFloat | boolean {
  return typeof v === 'number' || v instanceof PyFloat || typeof v === 'boolean';
}

export function num(v: unknown): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof PyFloat) &&
    !(v instanceof RegExp) &&
    !(v instanceof String)
  );
}

/** Python's type name, for error messages that read like Python's. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (isFloat(v)) return 'float';
  if (typeof v === 'number' || typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

/** `repr(float)`: shortest round-trip digits, exponent outside [1e-4, 1e16) as Python writes it. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mant, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const s = String(n);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/** `repr(str)`: single quotes unless the text holds one and no double quote, escapes as Python's. */
function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      out += cp < 0x100 ? `\\x${hex(cp, 2)}` : cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    } else out += ch;
  }
  return out + quote;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof PyTuple) {
    const items = v.map(pyRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return pyStr(v);
}

/** `str(v)`: what `{{ v }}` and `~` print. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v instanceof PyFloat) return floatRepr(v.value);
  // Integers too large for a double (IPv6 sizes and addresses as numbers).
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? intStr(v) : floatRepr(v);
  if (typeof v === 'function') return `<function ${v.name || 'lambda'}>`;
  if (v instanceof RegExp) return `re.compile(${strRepr(v.source)})`;
  // Macro output arrives as a String object (nunjucks' SafeString).
  if (v instanceof String) return String(v);
  return pyRepr(v);
}

function intStr(n: number): string {
  return Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n);
}

/** Python truth: empty strings, lists, dicts, zero and None are false. */
export function pyTruth(v: unknown): boolean {
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  if (v instanceof String) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

export function pyEq(a: unknown, b: unknown): boolean {
  if (isNumber(a) && isNumber(b)) return num(a) === num(b);
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'string' || typeof b === 'string') return String(a) === String(b) && typeof a === typeof b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a instanceof PyTuple !== b instanceof PyTuple) return false;
    return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEq(a[k], b[k]));
  }
  return a === b;
}

/** Python ordering (`<`): numbers, strings and sequences only; anything else is a TypeError as in Python. */
export function pyCmp(a: unknown, b: unknown, op = '<'): number {
  if (isNumber(a) && isNumber(b)) return num(a) - num(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyCmp(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function pyCompare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
    case '===':
      return pyEq(a, b);
    case '!=':
    case '!==':
      return !pyEq(a, b);
    case '<':
      return pyCmp(a, b, op) < 0;
    case '<=':
      return pyCmp(a, b, op) <= 0;
    case '>':
      return pyCmp(a, b, op) > 0;
    case '>=':
      return pyCmp(a, b, op) >= 0;
    default:
      throw new PyError('Error', `unknown comparison ${op}`);
  }
}

export function pyIn(needle: unknown, haystack: unknown): boolean {
  if (typeof haystack === 'string') {
    if (typeof needle !== 'string') {
      throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(needle)}`);
    }
    return haystack.includes(needle);
  }
  if (Array.isArray(haystack)) return haystack.some((x) => pyEq(x, needle));
  if (isMapping(haystack))
    return (typeof needle === 'string' || typeof needle === 'number') && Object.hasOwn(haystack, String(needle));
  throw new PyError('TypeError', `argument of type '${typeName(haystack)}' is not iterable`);
}

function numeric(op: string, a: unknown, b: unknown, f: (x: number, y: number) => number, float = false): unknown {
  if (!isNumber(a) || !isNumber(b)) {
    throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
  }
  const r = f(num(a), num(b));
  return float || isFloat(a) || isFloat(b) ? toFloat(r) : r;
}

function repeat(seq: unknown, times: unknown): unknown {
  const n = Math.max(0, num(times));
  if (typeof seq === 'string') return seq.repeat(n);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(...(seq as unknown[]));
  return out;
}

function isInt(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'boolean';
}

export function pyBinary(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) {
        if (a instanceof PyTuple !== b instanceof PyTuple) break;
        return a instanceof PyTuple ? PyTuple.of(...a, ...b) : [...a, ...b];
      }
      return numeric(op, a, b, (x, y) => x + y);
    case '-':
      return numeric(op, a, b, (x, y) => x - y);
    case '*':
      if ((typeof a === 'string' || Array.isArray(a)) && isInt(b)) return repeat(a, b);
      if ((typeof b === 'string' || Array.isArray(b)) && isInt(a)) return repeat(b, a);
      return numeric(op, a, b, (x, y) => x * y);
    case '/':
      return numeric(
        op,
        a,
        b,
        (x, y) => {
          if (y === 0) throw new PyError('ZeroDivisionError', 'division by zero');
          return x / y;
        },
        true,
      );
    case '//':
      return numeric(op, a, b, (x, y) => {
        if (y === 0) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
        return Math.floor(x / y);
      });
    case '%':
      if (typeof a === 'string') return percentFormat(a, b);
      return numeric(op, a, b, (x, y) => {
        if (y === 0) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
        const r = x % y;
        return r !== 0 && r < 0 !== y < 0 ? r + y : r;
      });
    case '**':
      return numeric(op, a, b, (x, y) => x ** y, isInt(a) && isInt(b) && num(b) < 0);
  }
  throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function pyNeg(v: unknown): unknown {
  if (!isNumber(v)) throw new PyError('TypeError', `bad operand type for unary -: '${typeName(v)}'`);
  return isFloat(v) ? toFloat(-num(v)) : -num(v);
}

// ---- printf-style formatting: `'%s-%02d' % (a, b)` and the `format` filter ----

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;

export function percentFormat(fmt: string, args: unknown): string {
  const mapping = isMapping(args) ? args : undefined;
  const list = mapping ? [] : args instanceof PyTuple ? [...args] : [args];
  let i = 0;
  const next = (): unknown => {
    if (i >= list.length) throw new PyError('TypeError', 'not enough arguments for format string');
    return list[i++];
  };
  const out = fmt.replace(
    SPEC,
    (_m, key: string | undefined, flags: string, width?: string, prec?: string, conv?: string) => {
      if (conv === '%') return '%';
      const w = width === '*' ? num(next()) : width ? Number(width) : undefined;
      const p = prec === '*' ? num(next()) : prec !== undefined ? Number(prec) : undefined;
      const value = key !== undefined ? mapping?.[key] : next();
      return formatOne(value, conv!, flags, w, p);
    },
  );
  if (!mapping && i < list.length)
    throw new PyError('TypeError', 'not all arguments converted during string formatting');
  return out;
}

function formatOne(value: unknown, conv: string, flags: string, width?: number, prec?: number): string {
  let body: string;
  let numericConv = true;
  switch (conv) {
    case 's':
      body = pyStr(value);
      if (prec !== undefined) body = body.slice(0, prec);
      numericConv = false;
      break;
    case 'r':
    case 'a':
      body = pyRepr(value);
      numericConv = false;
      break;
    case 'c':
      body = typeof value === 'string' ? value : String.fromCodePoint(num(value));
      numericConv = false;
      break;
    case 'd':
    case 'i':
    case 'u':
      body = String(Math.trunc(requireNumber(value, conv)));
      break;
    case 'x':
    case 'X':
    case 'o': {
      const n = Math.trunc(requireNumber(value, conv));
      body = Math.abs(n).toString(conv === 'o' ? 8 : 16);
      if (flags.includes('#')) body = (conv === 'o' ? '0o' : '0x') + body;
      if (conv === 'X') body = body.toUpperCase();
      if (n < 0) body = `-${body}`;
      break;
    }
    case 'e':
    case 'E':
      body = expFormat(requireNumber(value, conv), prec ?? 6);
      if (conv === 'E') body = body.toUpperCase();
      break;
    case 'f':
    case 'F':
      body = requireNumber(value, conv).toFixed(prec ?? 6);
      break;
    default:
      body = generalFormat(requireNumber(value, conv), prec ?? 6, flags.includes('#'));
      if (conv === 'G') body = body.toUpperCase();
  }
  if (numericConv && !body.startsWith('-')) {
    if (flags.includes('+')) body = `+${body}`;
    else if (flags.includes(' ')) body = ` ${body}`;
  }
  if (width !== undefined && body.length < width) {
    if (flags.includes('-')) body = body.padEnd(width);
    else if (flags.includes('0') && numericConv) {
      const sign = /^[-+ ]/.test(body) ? body[0]! : '';
      body = sign + body.slice(sign.length).padStart(width - sign.length, '0');
    } else body = body.padStart(width);
  }
  return body;
}

function requireNumber(v: unknown, conv: string): number {
  if (!isNumber(v)) {
    throw new PyError('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
  }
  return num(v);
}

export function expFormat(n: number, prec: number): string {
  const [m, e] = n.toExponential(prec).split('e') as [string, string];
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export function generalFormat(n: number, prec: number, keepZeros = false): string {
  const p = prec === 0 ? 1 : prec;
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(n.toExponential(p - 1)))));
  let s: string;
  if (exp < -4 || exp >= p) {
    s = expFormat(n, p - 1);
    if (!keepZeros) s = s.replace(/\.?0+e/, 'e');
  } else {
    s = n.toFixed(Math.max(0, p - 1 - exp));
    if (!keepZeros && s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return s;
}
