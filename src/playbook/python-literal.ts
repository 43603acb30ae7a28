/**
 * Python literals as `ast.literal_eval` reads them: Ansible's INI inventory passes every value through it, so
 * `port=22` is a number, `debug=True` a boolean and `ntp=['a', 'b']` a list, while `true`, `yes` or `010`
 * stay strings. Returns `{ ok: false }` wherever literal_eval raises: the caller keeps the text as written.
 *
 * Tuples and sets become lists and bytes become text, as they come out of Ansible's JSON. Complex numbers are
 * not supported and stay text.
 */
export type LiteralResult = { ok: true; value: unknown } | { ok: false };

class NotALiteral extends Error {}

export function pythonLiteral(source: string): LiteralResult {
  try {
    const p = new Parser(source);
    p.skipSpace();
    const value = p.expression();
    p.skipSpace();
    if (!p.atEnd()) throw new NotALiteral();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof NotALiteral) return { ok: false };
    throw err;
  }
}

const STRING_START = /^([rRbBuU]|[rR][bB]|[bB][rR])?['"]/;

class Parser {
  private pos = 0;
  /** Open brackets: inside them Python lets a literal span lines. */
  private depth = 0;

  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** Blanks, a `#` comment to the end of the line, and newlines inside brackets or after a backslash. */
  skipSpace(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\f') this.pos++;
      else if (c === '#') while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      else if ((c === '\n' || c === '\r') && this.depth > 0) this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
      else return;
    }
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  expression(): unknown {
    this.skipSpace();
    const c = this.peek();
    if (c === undefined) throw new NotALiteral();
    if (c === '+' || c === '-') {
      this.pos++;
      const operand = this.expression();
      if (typeof operand !== 'number') throw new NotALiteral();
      return c === '-' ? -operand : operand;
    }
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')');
    if (c === '{') return this.mapping();
    const rest = this.src.slice(this.pos);
    if (STRING_START.test(rest)) return this.strings();
    if (/^[0-9.]/.test(rest)) return this.number();
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (name === 'True' || name === 'False' || name === 'None') {
      this.pos += name.length;
      return name === 'True' ? true : name === 'False' ? false : null;
    }
    throw new NotALiteral();
  }

  private sequence(open: string, close: string): unknown {
    this.pos++;
    this.depth++;
    const items: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) break;
      items.push(this.expression());
      this.skipSpace();
      if (this.peek() === ',') {
        this.pos++;
        sawComma = true;
        continue;
      }
      if (this.peek() !== close) throw new NotALiteral();
      break;
    }
    this.pos++;
    this.depth--;
    // `(1)` is just 1 in parentheses; only a comma makes a tuple.
    if (open === '(' && items.length === 1 && !sawComma) return items[0];
    return items;
  }

  private mapping(): unknown {
    this.pos++;
    this.depth++;
    const out: Record<string, unknown> = {};
    const set: unknown[] = [];
    let kind: 'dict' | 'set' | undefined;
    for (;;) {
      this.skipSpace();
      if (this.peek() === '}') break;
      const key = this.expression();
      this.skipSpace();
      if (this.peek() === ':') {
        if (kind === 'set') throw new NotALiteral();
        kind = 'dict';
        this.pos++;
        const value = this.expression();
        if (key !== null && typeof key === 'object') throw new NotALiteral();
        out[keyText(key)] = value;
      } else {
        if (kind === 'dict') throw new NotALiteral();
        kind = 'set';
        if (!set.some((x) => x === key)) set.push(key);
      }
      this.skipSpace();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() !== '}') throw new NotALiteral();
      break;
    }
    this.pos++;
    this.depth--;
    return kind === 'set' ? set : out;
  }

  private number(): number {
    const rest = this.src.slice(this.pos);
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+|^0[oO](?:_?[0-7])+|^0[bB](?:_?[01])+/.exec(rest) ??
      /^(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?/.exec(rest);
    if (!m) throw new NotALiteral();
    const text = m[0];
    this.pos += text.length;
    if (/^[jJA-Za-z_]/.test(this.src[this.pos] ?? ' ')) throw new NotALiteral();
    const clean = text.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return Number(clean);
    // Python refuses 010 (ambiguous octal) but accepts 0, 00 and 0.5.
    if (/^0[0-9]+$/.test(clean) && !/^0+$/.test(clean)) throw new NotALiteral();
    return Number(clean);
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): string {
    let out = '';
    let bytes: boolean | undefined;
    for (;;) {
      this.skipSpace();
      const m = STRING_START.exec(this.src.slice(this.pos));
      if (!m) break;
      const prefix = (m[1] ?? '').toLowerCase();
      const isBytes = prefix.includes('b');
      if (bytes !== undefined && bytes !== isBytes) throw new NotALiteral();
      bytes = isBytes;
      this.pos += prefix.length;
      out += this.oneString(prefix.includes('r'));
    }
    return out;
  }

  private oneString(raw: boolean): string {
    const quote = this.src[this.pos]!;
    const triple = this.src.startsWith(quote.repeat(3), this.pos);
    const delim = triple ? quote.repeat(3) : quote;
    this.pos += delim.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) throw new NotALiteral();
      if (this.src.startsWith(delim, this.pos)) {
        this.pos += delim.length;
        return out;
      }
      const c = this.src[this.pos]!;
      if (c === '\n' && !triple) throw new NotALiteral();
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const next = this.src[this.pos + 1];
      if (next === undefined) throw new NotALiteral();
      if (raw) {
        out += c + next;
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      out += this.escape(next);
    }
  }

  private escape(next: string): string {
    const simple = SIMPLE_ESCAPES;
    if (next in simple) return simple[next]!;
    if (/[0-7]/.test(next)) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(this.src[this.pos] ?? '')) digits += this.src[this.pos++];
      return String.fromCodePoint(parseInt(digits, 8));
    }
    const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = this.src.slice(this.pos, this.pos + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new NotALiteral();
      this.pos += width;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    // Python keeps an unknown escape as written, backslash included.
    return `\\${next}`;
  }
}

/** JSON object keys are text: Python's json writes True as "true", None as "null", 1.0 as "1.0". */
function keyText(key: unknown): string {
  if (key === true) return 'true';
  if (key === false) return 'false';
  if (key === null) return 'null';
  return String(key);
}

/** Python's one-character string escapes (a backslash-newline joins lines), as its literals and Jinja's read them. */
export const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};
