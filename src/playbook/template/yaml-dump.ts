import { floatRepr, isMapping, num, PyFloat } from './python.js';

/**
 * YAML text exactly as PyYAML's `yaml.dump` writes it under Ansible's `to_yaml` / `to_nice_yaml`: keys
 * sorted, YAML 1.1 quoting (a string that would read back as a bool, number or null is quoted), PyYAML's
 * indentation (sequences under a key are not indented) and line folding at 80 columns. A port of the parts
 * of PyYAML's emitter these filters reach.
 */

interface DumpOptions {
  indent?: number;
  /** null: collections of scalars in flow style (`[1, 2]`), others in block style; false: block only. */
  flowStyle?: boolean | null;
  sortKeys?: boolean;
  width?: number;
}

const BREAKS = '\n\x85\u2028\u2029';
const WS = '\0 \t\r\n\x85\u2028\u2029';

const RESOLVERS: RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  new RegExp(
    '^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?' +
      '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$',
  ),
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  new RegExp(
    '^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?' +
      '(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?' +
      '(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$',
  ),
  /^(?:=)$/,
];

type Node =
  | { kind: 'scalar'; text: string; implicit: boolean }
  | { kind: 'seq'; items: Node[]; flow: boolean }
  | { kind: 'map'; pairs: [Node, Node][]; flow: boolean };

function represent(v: unknown, opts: DumpOptions): Node {
  if (v === null || v === undefined) return { kind: 'scalar', text: 'null', implicit: true };
  if (v === true || v === false) return { kind: 'scalar', text: String(v), implicit: true };
  if (v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))) {
    const n = num(v);
    let text = Number.isNaN(n)
      ? '.nan'
      : n === Infinity
        ? '.inf'
        : n === -Infinity
          ? '-.inf'
          : floatRepr(n).toLowerCase();
    if (!text.includes('.') && text.includes('e')) text = text.replace('e', '.0e');
    return { kind: 'scalar', text, implicit: true };
  }
  if (typeof v === 'number') return { kind: 'scalar', text: String(v), implicit: true };
  if (typeof v === 'string' || v instanceof String) {
    const text = String(v);
    return { kind: 'scalar', text, implicit: !RESOLVERS.some((r) => r.test(text)) };
  }
  const flowOf = (children: Node[]): boolean =>
    opts.flowStyle === null || opts.flowStyle === undefined
      ? children.every((c) => c.kind === 'scalar')
      : opts.flowStyle;
  if (Array.isArray(v)) {
    const items = v.map((x) => represent(x, opts));
    return { kind: 'seq', items, flow: flowOf(items) };
  }
  if (isMapping(v)) {
    let keys = Object.keys(v);
    if (opts.sortKeys !== false) keys = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pairs = keys.map((k): [Node, Node] => [represent(k, opts), represent(v[k], opts)]);
    return { kind: 'map', pairs, flow: flowOf(pairs.flat()) };
  }
  throw new Error(`cannot represent an object of type ${typeof v} as YAML`);
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

function analyze(s: string): Analysis {
  if (s === '')
    return { empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  const chars = [...s];
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) blockIndicators = flowIndicators = true;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || WS.includes(chars[1]!);
  let prevSpace = false;
  let prevBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if ('?:'.includes(ch)) {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === '-' && followedByWs) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === '#' && precededByWs) flowIndicators = blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      const printable =
        (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000) &&
        cp !== 0xfeff;
      if (!printable) special = true;
    }
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = WS.includes(ch);
    followedByWs = i + 2 >= chars.length || WS.includes(chars[i + 2]!);
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0a': 'n',
  '\x0b': 'v',
  '\x0c': 'f',
  '\x0d': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

class Emitter {
  out = '';
  column = 0;
  indent: number | null = null;
  indents: (number | null)[] = [];
  flowLevel = 0;
  whitespace = true;
  indention = true;
  mappingContext = false;
  simpleKeyContext = false;

  constructor(
    readonly bestIndent: number,
    readonly bestWidth: number,
  ) {}

  write(data: string): void {
    this.out += data;
    this.column += [...data].length;
  }

  increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.write(data);
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  node(n: Node, ctx: { mapping?: boolean; simpleKey?: boolean } = {}): void {
    this.mappingContext = ctx.mapping ?? false;
    this.simpleKeyContext = ctx.simpleKey ?? false;
    if (n.kind === 'scalar') {
      this.increaseIndent(true);
      this.scalar(n);
      this.indent = this.indents.pop()!;
    } else if (n.kind === 'seq') {
      if (this.flowLevel || n.flow || n.items.length === 0) this.flowSequence(n.items);
      else this.blockSequence(n.items);
    } else if (this.flowLevel || n.flow || n.pairs.length === 0) this.flowMapping(n.pairs);
    else this.blockMapping(n.pairs);
  }

  flowSequence(items: Node[]): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    items.forEach((item, i) => {
      if (i) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item);
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator(']', false);
  }

  flowMapping(pairs: [Node, Node][]): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    pairs.forEach(([k, v], i) => {
      if (i) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.writeIndicator(':', false);
      this.node(v, { mapping: true });
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator('}', false);
  }

  blockSequence(items: Node[]): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item);
    }
    this.indent = this.indents.pop()!;
  }

  blockMapping(pairs: [Node, Node][]): void {
    this.increaseIndent(false);
    for (const [k, v] of pairs) {
      this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.writeIndicator(':', false);
      this.node(v, { mapping: true });
    }
    this.indent = this.indents.pop()!;
  }

  scalar(n: { text: string; implicit: boolean }): void {
    const a = analyze(n.text);
    const split = !this.simpleKeyContext;
    const plainOk =
      n.implicit &&
      !(this.simpleKeyContext && (a.empty || a.multiline)) &&
      ((this.flowLevel > 0 && a.allowFlowPlain) || (this.flowLevel === 0 && a.allowBlockPlain));
    if (plainOk) this.plain(n.text, split);
    else if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) this.singleQuoted(n.text, split);
    else this.doubleQuoted(n.text, split);
  }

  plain(text: string, split: boolean): void {
    if (text === '') return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    const t = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end]! : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(t.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (t[start] === '\n') this.writeLineBreak();
          for (const br of t.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ` ${BREAKS}`.includes(ch)) {
        this.write(t.slice(start, end).join(''));
        start = end;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
  }

  singleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    const t = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end]! : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== t.length)
            this.writeIndent();
          else this.write(t.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (t[start] === '\n') this.writeLineBreak();
          for (const br of t.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ` ${BREAKS}'`.includes(ch)) {
        if (start < end) {
          this.write(t.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  doubleQuoted(text: string, split: boolean): void {
    this.writeIndicator('"', true);
    const t = [...text];
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end]! : null;
      const cp = ch === null ? 0 : ch.codePointAt(0)!;
      const plain =
        ch !== null && ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd));
      if (ch === null || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !plain) {
        if (start < end) {
          this.write(t.slice(start, end).join(''));
          start = end;
        }
        if (ch !== null) {
          const data =
            ch in ESCAPES
              ? `\\${ESCAPES[ch]}`
              : cp <= 0xff
                ? `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`
                : cp <= 0xffff
                  ? `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`
                  : `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < t.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > this.bestWidth &&
        split
      ) {
        const data = `${t.slice(start, end).join('')}\\`;
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (t[start] === ' ') this.write('\\');
      }
    }
    this.writeIndicator('"', false);
  }
}

export function pyYamlDump(value: unknown, opts: DumpOptions = {}): string {
  const e = new Emitter(opts.indent ?? 2, opts.width ?? 80);
  e.node(represent(value, opts));
  e.writeIndent();
  return e.out;
}
