import nunjucks from 'nunjucks';
import { SIMPLE_ESCAPES } from '../python-literal.js';
import type { Compiler, Frame, Node, Parser, Token, Tokenizer } from './nunjucks-internals.js';

/**
 * Jinja2's expression grammar on top of nunjucks' parser, so an expression means under runbook what it means
 * under Ansible. Nunjucks ranks operators its own way (`is` below comparisons, `~` below `+`, filters not
 * after a unary minus) and lexes fewer number forms; a different precedence silently changes a condition.
 *
 * From loosest to tightest, as Jinja's parser: `a if b else c` (chains to the right), `or`, `and`, `not`,
 * comparisons with `in` and `not in` (chained: `a < b < c`), `+ -`, `~`, `* / // %`, `**` (to the left),
 * unary `- +`, then a primary with its subscripts, followed by filters `|f` and tests `is t`: so
 * `-1 | abs` is `(-1) | abs`, `1 + 2 is odd` is `1 + (2 is odd)` and `not x is defined` is `not (x is defined)`.
 *
 * The lexer reads numbers as Jinja's does (`1e3`, `1_000`, `0x1F`, `0o17`, `0b101`), and `{%+` / `+%}`,
 * which turn lstrip_blocks / trim_blocks off for one tag.
 */

type NodeClass = new (...args: unknown[]) => Node;

// Jinja's own number patterns (jinja2/lexer.py); a float never starts right after a dot (`x.0.1`).
const FLOAT = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER = /0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*/iy;
const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const BASES: Record<string, number> = { b: 2, o: 8, x: 16 };

function intValue(text: string): string {
  const digits = text.replace(/_/g, '');
  const base = BASES[digits[1]?.toLowerCase() ?? ''];
  return base === undefined ? String(Number(digits)) : String(Number.parseInt(digits.slice(2), base));
}

/**
 * A string literal's escapes as Python's unicode-escape reads them (Jinja's lexer decodes literals with it):
 * `\n`, `\x41`, `\u00e9`, octal; an unknown escape keeps its backslash, so `"\d+"` is a regex's `\d+`.
 */
function pythonEscapes(body: string): string {
  return body.replace(
    /\\(?:([0-7]{1,3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([\s\S]))/g,
    (m: string, oct?: string, x?: string, u?: string, big?: string, c?: string) => {
      const code = oct ?? x ?? u ?? big;
      if (code !== undefined) return String.fromCodePoint(Number.parseInt(code, oct !== undefined ? 8 : 16));
      return c !== undefined && Object.hasOwn(SIMPLE_ESCAPES, c) ? SIMPLE_ESCAPES[c]! : m;
    },
  );
}

const COMPARISONS = new Set(['==', '===', '!=', '!==', '<', '>', '<=', '>=']);
const MATH2: Record<string, string> = { '*': 'Mul', '/': 'Div', '//': 'FloorDiv', '%': 'Mod' };
/** Words that end a bare test argument rather than being one (`x is odd and y`, `x is defined if …`). */
const NOT_AN_ARGUMENT = new Set(['else', 'or', 'and', 'if', 'is', 'not', 'in']);

let installed = false;

export function installJinjaGrammar(): void {
  if (installed) return;
  installed = true;
  const nj = nunjucks as unknown as {
    lexer: Record<string, string> & { lex(src: string): Tokenizer };
    parser: { Parser: { prototype: Parser } };
    nodes: Record<string, NodeClass> & { Node: { extend(name: string, props: object): NodeClass } };
    compiler: { Compiler: { prototype: Record<string, (this: Compiler, node: Node, frame: Frame) => void> } };
    lib: { TemplateError: new (message: string, lineno: number, colno: number) => Error };
  };
  const lx = nj.lexer;
  const nodes = nj.nodes;
  const token = (type: string, value: string, lineno: number, colno: number): Token => ({
    type,
    value,
    lineno,
    colno,
  });

  const tokenizer = Object.getPrototypeOf(nj.lexer.lex('')) as Tokenizer & {
    _parseString(delimiter: string): string;
  };
  tokenizer._parseString = function (delimiter) {
    // The index is at the opening quote; the literal ends at the first unescaped closing one.
    let end = this.index + 1;
    while (end < this.len && this.str[end] !== delimiter) end += this.str[end] === '\\' ? 2 : 1;
    const body = this.str.slice(this.index + 1, end);
    this.forwardN(Math.min(end + 1, this.len) - this.index);
    return pythonEscapes(body);
  };
  const nextToken = tokenizer.nextToken;
  tokenizer.nextToken = function () {
    const tok = readToken.call(this);
    // `null` is an ordinary (undefined) name in Jinja, not none as in nunjucks.
    if (tok !== null && tok.type === lx.TOKEN_NONE && tok.value === 'null') return { ...tok, type: lx.TOKEN_SYMBOL! };
    // A name is what Jinja calls one; nunjucks took any run of characters up to a delimiter (`a"b` too).
    if (tok !== null && tok.type === lx.TOKEN_SYMBOL && !NAME.test(tok.value)) {
      throw new nj.lib.TemplateError(`unexpected character in name "${tok.value}"`, tok.lineno + 1, tok.colno + 1);
    }
    if (tok?.type === lx.TOKEN_LEFT_CURLY) this.rbBraces = (this.rbBraces ?? 0) + 1;
    else if (tok?.type === lx.TOKEN_RIGHT_CURLY) this.rbBraces = Math.max(0, (this.rbBraces ?? 0) - 1);
    else if (tok?.type === lx.TOKEN_VARIABLE_START || tok?.type === lx.TOKEN_BLOCK_START) this.rbBraces = 0;
    return tok;
  };
  const readToken = function (this: Tokenizer): Token | null {
    const { lineno, colno, index, str } = this;
    if (this.in_code && (this.rbBraces ?? 0) > 0 && str.startsWith('}', index)) {
      // `{{ {'a': {'b': 1}} }}`: the first `}}` closes two dicts.
      this.forwardN(1);
      return token(lx.TOKEN_RIGHT_CURLY!, '}', lineno, colno);
    }
    if (!this.in_code) {
      // `{%+`: lstrip_blocks off for this tag; Ansible leaves lstrip_blocks off anyway.
      if (str.startsWith('{%+', index)) {
        this.forwardN(3);
        this.in_code = true;
        return token(lx.TOKEN_BLOCK_START!, '{%', lineno, colno);
      }
      return nextToken.call(this);
    }
    // `+%}`: the newline after this tag stays, though trim_blocks is on.
    if (str.startsWith('+%}', index)) {
      this.forwardN(3);
      this.in_code = false;
      return token(lx.TOKEN_BLOCK_END!, '%}', lineno, colno);
    }
    const c = str.charCodeAt(index);
    if (c >= 48 && c <= 57) {
      FLOAT.lastIndex = index;
      const float = str[index - 1] === '.' ? null : FLOAT.exec(str);
      if (float) {
        this.forwardN(float[0].length);
        return token(lx.TOKEN_FLOAT!, float[0].replace(/_/g, ''), lineno, colno);
      }
      INTEGER.lastIndex = index;
      const int = INTEGER.exec(str);
      if (int) {
        this.forwardN(int[0].length);
        return token(lx.TOKEN_INT!, intValue(int[0]), lineno, colno);
      }
    }
    return nextToken.call(this);
  };

  const parser = nj.parser.Parser.prototype;
  const binary = (kind: string, at: Node, left: Node, right: Node): Node =>
    new nodes[kind]!(at.lineno, at.colno, left, right);
  const isOperator = (tok: Token | null, ...values: string[]): tok is Token =>
    tok !== null && tok.type === lx.TOKEN_OPERATOR && values.includes(tok.value);

  parser.parseExpression = function () {
    return this.parseInlineIf();
  };
  parser.parseInlineIf = function () {
    let node = this.parseOr();
    while (this.skipSymbol('if')) {
      const cond = this.parseOr();
      const inline = new nodes.InlineIf!(node.lineno, node.colno);
      inline.body = node;
      inline.cond = cond;
      inline.else_ = this.skipSymbol('else') ? this.parseInlineIf() : null;
      node = inline;
    }
    return node;
  };
  parser.parseNot = function () {
    const tok = this.peekToken();
    if (this.skipSymbol('not')) return new nodes.Not!(tok.lineno, tok.colno, this.parseNot());
    return this.parseCompare();
  };
  parser.parseCompare = function () {
    const expr = this.parseMath1();
    const ops: Node[] = [];
    for (;;) {
      const tok = this.peekToken();
      if (tok?.type === lx.TOKEN_OPERATOR && COMPARISONS.has(tok.value)) {
        this.nextToken();
        ops.push(new nodes.CompareOperand!(tok.lineno, tok.colno, this.parseMath1(), tok.value));
      } else if (tok?.type === lx.TOKEN_SYMBOL && tok.value === 'in') {
        this.nextToken();
        ops.push(new nodes.CompareOperand!(tok.lineno, tok.colno, this.parseMath1(), 'in'));
      } else if (tok?.type === lx.TOKEN_SYMBOL && tok.value === 'not') {
        // After a complete operand, `not` can only start `not in`.
        this.nextToken();
        const inTok = this.nextToken();
        if (inTok?.type !== lx.TOKEN_SYMBOL || inTok.value !== 'in') {
          this.fail(`expected "in" after "not", got ${inTok?.value ?? 'end of input'}`, tok.lineno, tok.colno);
        }
        ops.push(new nodes.CompareOperand!(tok.lineno, tok.colno, this.parseMath1(), 'notin'));
      } else break;
    }
    if (ops.length === 0) return expr;
    // A lone `in` stays an In node, which the rest of the code (and nunjucks) knows.
    const only = ops.length === 1 ? (ops[0] as Node & { type: string; expr: Node }) : undefined;
    if (only?.type === 'in') return new nodes.In!(expr.lineno, expr.colno, expr, only.expr);
    if (only?.type === 'notin') {
      return new nodes.Not!(only.lineno, only.colno, new nodes.In!(expr.lineno, expr.colno, expr, only.expr));
    }
    return new nodes.Compare!(ops[0]!.lineno, ops[0]!.colno, expr, ops);
  };
  parser.parseMath1 = function () {
    let node = this.parseConcat();
    for (;;) {
      const tok = this.peekToken();
      if (!isOperator(tok, '+', '-')) break;
      this.nextToken();
      node = binary(tok.value === '+' ? 'Add' : 'Sub', node, node, this.parseConcat());
    }
    return node;
  };
  parser.parseConcat = function () {
    let node = this.parseMath2();
    while (this.skipValue(lx.TOKEN_TILDE!, '~')) node = binary('Concat', node, node, this.parseMath2());
    return node;
  };
  parser.parseMath2 = function () {
    let node = this.parsePow();
    for (;;) {
      const tok = this.peekToken();
      if (!isOperator(tok, '*', '/', '//', '%')) break;
      this.nextToken();
      node = binary(MATH2[tok.value]!, node, node, this.parsePow());
    }
    return node;
  };
  parser.parsePow = function () {
    let node = this.parseUnary();
    while (this.skipValue(lx.TOKEN_OPERATOR!, '**')) node = binary('Pow', node, node, this.parseUnary());
    return node;
  };
  parser.parseUnary = function (noFilters?: boolean) {
    const tok = this.peekToken();
    let node: Node;
    if (this.skipValue(lx.TOKEN_OPERATOR!, '-')) node = new nodes.Neg!(tok.lineno, tok.colno, this.parseUnary(true));
    else if (this.skipValue(lx.TOKEN_OPERATOR!, '+')) {
      node = new nodes.Pos!(tok.lineno, tok.colno, this.parseUnary(true));
    } else node = this.parsePrimary();
    return noFilters ? node : this.parseFilterExpr(node);
  };

  // Filters and tests, in the order written: `x | f is t | g` is `((x | f) is t) | g`.
  parser.parseFilterExpr = function (node) {
    for (;;) {
      const tok = this.peekToken();
      if (tok?.type === lx.TOKEN_PIPE) {
        this.nextToken();
        const name = this.parseFilterName();
        const args = this.peekToken()?.type === lx.TOKEN_LEFT_PAREN ? (this.parseSignature().children ?? []) : [];
        node = new nodes.Filter!(
          name.lineno,
          name.colno,
          name,
          new nodes.NodeList!(name.lineno, name.colno, [node, ...args]),
        );
      } else if (tok?.type === lx.TOKEN_SYMBOL && tok.value === 'is') {
        node = this.parseTest(node);
      } else return node;
    }
  };

  const bareArg = new Set([
    lx.TOKEN_SYMBOL,
    lx.TOKEN_STRING,
    lx.TOKEN_INT,
    lx.TOKEN_FLOAT,
    lx.TOKEN_LEFT_PAREN,
    lx.TOKEN_LEFT_BRACKET,
    lx.TOKEN_LEFT_CURLY,
    lx.TOKEN_BOOLEAN,
    lx.TOKEN_NONE,
  ]);
  // `x is divisibleby 3`, `x is in [1, 2]`, `x is version('2', '>=')`, `x is ansible.builtin.match('a')`:
  // a test takes a call's arguments or one bare argument, as in Jinja.
  parser.parseTest = function (node) {
    this.nextToken();
    const not = this.skipSymbol('not');
    // `none`, `true` and `false` are test names too, though the lexer reads them as literals.
    const nameTok = this.nextToken();
    if (![lx.TOKEN_SYMBOL, lx.TOKEN_NONE, lx.TOKEN_BOOLEAN].includes(nameTok?.type)) {
      this.fail(`expected a test name after "is", got ${nameTok?.value ?? 'end of input'}`);
    }
    let name = nameTok.value;
    while (this.skipValue(lx.TOKEN_OPERATOR!, '.')) name += `.${this.expect(lx.TOKEN_SYMBOL!).value}`;
    const sym = new nodes.Symbol!(nameTok.lineno, nameTok.colno, name);
    let right: Node = sym;
    const next = this.peekToken();
    if (next?.type === lx.TOKEN_LEFT_PAREN) {
      right = new nodes.FunCall!(nameTok.lineno, nameTok.colno, sym, this.parseSignature());
    } else if (next?.type === lx.TOKEN_SYMBOL && next.value === 'is') {
      this.fail('You cannot chain multiple tests with is', next.lineno, next.colno);
    } else if (next && bareArg.has(next.type) && !NOT_AN_ARGUMENT.has(next.value)) {
      const arg = this.parsePrimary();
      right = new nodes.FunCall!(nameTok.lineno, nameTok.colno, sym, new nodes.NodeList!(arg.lineno, arg.colno, [arg]));
    }
    const test = new nodes.Is!(node.lineno, node.colno, node, right);
    return not ? new nodes.Not!(test.lineno, test.colno, test) : test;
  };

  // Adjacent string literals are one string (`"a" "b"`), as in Python.
  const parsePrimary = parser.parsePrimary;
  parser.parsePrimary = function (noPostfix) {
    if (this.peekToken()?.type !== lx.TOKEN_STRING) return parsePrimary.call(this, noPostfix);
    const first = this.nextToken();
    let value = first.value;
    while (this.peekToken()?.type === lx.TOKEN_STRING) value += this.nextToken().value;
    const node = new nodes.Literal!(first.lineno, first.colno, value);
    return noPostfix ? node : this.parsePostfix(node);
  };

  // `{% filter f | g(x) %}…{% endfilter %}`: a chain of filters over the block, as in Jinja.
  parser.parseFilterStatement = function () {
    const tag = this.nextToken();
    const chain: { name: Node; args: Node[] }[] = [];
    do {
      const name = this.parseFilterName();
      const args = this.peekToken()?.type === lx.TOKEN_LEFT_PAREN ? (this.parseSignature().children ?? []) : [];
      chain.push({ name, args });
    } while (this.skip(lx.TOKEN_PIPE!));
    this.advanceAfterBlockEnd(tag.value);
    const first = chain[0]!.name;
    let node: Node = new nodes.Capture!(first.lineno, first.colno, this.parseUntilBlocks('endfilter'));
    this.advanceAfterBlockEnd();
    for (const { name, args } of chain) {
      node = new nodes.Filter!(
        name.lineno,
        name.colno,
        name,
        new nodes.NodeList!(name.lineno, name.colno, [node, ...args]),
      );
    }
    return new nodes.Output!(first.lineno, first.colno, [node]);
  };

  // `{% raw %}…{% endraw %}` as Jinja's lexer reads it: up to the first endraw (raw blocks do not nest), the
  // newline after `{% raw %}` kept and the one after `{% endraw %}` dropped (trim_blocks), `-` trimming both.
  parser.parseRaw = function () {
    const begun = this.advanceAfterBlockEnd();
    const t = this.tokens;
    // The lexer dropped the newline after `%}` (trim_blocks); raw's opening tag keeps it. (nunjucks' own
    // backN cannot step back over a line break.)
    const dropped = /%\}(\r?\n)$/.exec(t.str.slice(Math.max(0, t.index - 4), t.index));
    if (dropped) {
      t.index -= dropped[1]!.length;
      t.lineno -= 1;
      t.colno = t.index - (t.str.lastIndexOf('\n', t.index - 1) + 1);
    }
    const end = /\{%(-?)\s*endraw\s*([-+]?)%\}/g;
    end.lastIndex = t.index;
    const m = end.exec(t.str);
    if (!m) return this.fail('missing {% endraw %}', begun.lineno, begun.colno);
    let text = t.str.slice(t.index, m.index);
    if (begun.value.startsWith('-')) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    t.forwardN(m.index + m[0].length - t.index);
    if (m[2] === '-') this.dropLeadingWhitespace = true;
    else if (m[2] !== '+' && t.str[t.index] === '\n') t.forwardN(1);
    return new nodes.Output!(begun.lineno, begun.colno, [new nodes.TemplateData!(begun.lineno, begun.colno, text)]);
  };

  // `{% set t = 1, 2 %}` assigns a tuple, and `{% set a, b = … %}` unpacks one, as in Jinja.
  parser.parseSet = function () {
    const tag = this.nextToken();
    const node = new nodes.Set!(tag.lineno, tag.colno, []) as Node & {
      targets: Node[];
      value: Node | null;
      body?: Node;
    };
    do node.targets.push(this.parsePrimary());
    while (this.skip(lx.TOKEN_COMMA!));
    if (this.skipValue(lx.TOKEN_OPERATOR!, '=')) {
      const first = this.parseExpression();
      const items = [first];
      let commas = 0;
      while (this.skip(lx.TOKEN_COMMA!)) {
        commas += 1;
        if (this.peekToken()?.type === lx.TOKEN_BLOCK_END) break;
        items.push(this.parseExpression());
      }
      node.value = commas === 0 ? first : tuple(first, items);
      this.advanceAfterBlockEnd(tag.value);
    } else {
      if (!this.skip(lx.TOKEN_BLOCK_END!)) this.fail('expected = or the end of the set tag', tag.lineno, tag.colno);
      node.body = new nodes.Capture!(tag.lineno, tag.colno, this.parseUntilBlocks('endset'));
      node.value = null;
      this.advanceAfterBlockEnd();
    }
    return node;
  };
  const tuple = (at: Node, items: Node[]): Node => {
    const group = new nodes.Group!(at.lineno, at.colno, items);
    group.rbTuple = true;
    return group;
  };

  // `{% with a = 1, b = x %}…{% endwith %}`: names that exist only inside the block, like its `{% set %}`s.
  const With = nodes.Node.extend('RbWith', { fields: ['targets', 'values', 'body'] });
  const parseStatement = parser.parseStatement;
  parser.parseStatement = function () {
    const tok = this.peekToken();
    if (tok?.type !== lx.TOKEN_SYMBOL || tok.value !== 'with' || this.breakOnBlocks?.includes('with')) {
      return parseStatement.call(this);
    }
    this.nextToken();
    const targets: Node[] = [];
    const values: Node[] = [];
    while (this.peekToken()?.type === lx.TOKEN_SYMBOL) {
      const target = this.parsePrimary(true);
      if (target.typename !== 'Symbol') this.fail('with: expected a name', target.lineno, target.colno);
      if (!this.skipValue(lx.TOKEN_OPERATOR!, '=')) this.fail('with: expected "=" after a name');
      targets.push(target);
      values.push(this.parseExpression());
      if (!this.skip(lx.TOKEN_COMMA!)) break;
    }
    this.advanceAfterBlockEnd(tok.value);
    const body = this.parseUntilBlocks('endwith');
    this.advanceAfterBlockEnd();
    return new With(tok.lineno, tok.colno, targets, values, body);
  };
  nj.compiler.Compiler.prototype.compileRbWith = function (node, frame) {
    const { targets, values, body } = node as unknown as { targets: Node[]; values: Node[]; body: Node };
    // The values are computed where the block starts, before its names exist.
    const ids = values.map((value) => {
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this._compileExpression(value, frame);
      this._emitLine(';');
      return id;
    });
    const inner = frame.push();
    this._emitLine('frame = frame.push();');
    targets.forEach((t, i) => {
      inner.set(String(t.value), ids[i]!);
      this._emitLine(`frame.set(${JSON.stringify(String(t.value))}, ${ids[i]!});`);
    });
    this.compile(body, inner);
    this._emitLine('frame = frame.pop();');
  };

  // Calls, subscripts and attributes; `seq.0` is `seq[0]`, as in Jinja.
  parser.parsePostfix = function (node) {
    for (;;) {
      const tok = this.peekToken();
      if (tok?.type === lx.TOKEN_LEFT_PAREN) {
        node = new nodes.FunCall!(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok?.type === lx.TOKEN_LEFT_BRACKET) {
        const lookup = this.parseAggregate()!;
        if ((lookup.children ?? []).length !== 1) this.fail('invalid index');
        node = new nodes.LookupVal!(tok.lineno, tok.colno, node, lookup.children![0]);
      } else if (isOperator(tok, '.')) {
        this.nextToken();
        const val = this.nextToken();
        if (val?.type !== lx.TOKEN_SYMBOL && val?.type !== lx.TOKEN_INT) {
          this.fail(`expected name as lookup value, got ${val?.value ?? 'end of input'}`, val?.lineno, val?.colno);
        }
        const key = val.type === lx.TOKEN_INT ? Number(val.value) : val.value;
        node = new nodes.LookupVal!(tok.lineno, tok.colno, node, new nodes.Literal!(val.lineno, val.colno, key));
      } else return node;
    }
  };

  // Lists, dicts and tuples as Jinja reads them: a trailing comma is allowed, `(x,)` is a one-item tuple and
  // `()` the empty one, and a dict key is any expression.
  parser.parseAggregate = function () {
    const open = this.nextToken();
    const kind =
      open.type === lx.TOKEN_LEFT_PAREN
        ? 'Group'
        : open.type === lx.TOKEN_LEFT_BRACKET
          ? 'Array'
          : open.type === lx.TOKEN_LEFT_CURLY
            ? 'Dict'
            : undefined;
    if (kind === undefined) {
      this.pushToken(open);
      return null;
    }
    const node = new nodes[kind]!(open.lineno, open.colno) as Node & { addChild(n: Node): void };
    const close = { Group: lx.TOKEN_RIGHT_PAREN, Array: lx.TOKEN_RIGHT_BRACKET, Dict: lx.TOKEN_RIGHT_CURLY }[kind];
    let commas = 0;
    for (;;) {
      if (this.skip(close!)) break;
      if ((node.children ?? []).length > 0) {
        if (!this.skip(lx.TOKEN_COMMA!)) {
          this.fail('parseAggregate: expected comma after expression', open.lineno, open.colno);
        }
        commas += 1;
        if (this.skip(close!)) break;
      }
      if (kind === 'Dict') {
        const key = this.parseExpression();
        if (!this.skip(lx.TOKEN_COLON!)) {
          this.fail('parseAggregate: expected colon after dict key', open.lineno, open.colno);
        }
        const value = this.parseExpression();
        node.addChild(new nodes.Pair!(key.lineno, key.colno, key, value));
      } else node.addChild(this.parseExpression());
    }
    if (kind === 'Group' && (commas > 0 || (node.children ?? []).length === 0)) node.rbTuple = true;
    return node;
  };
}
