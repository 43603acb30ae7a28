/**
 * The parts of nunjucks' lexer, parser and compiler that the Jinja grammar and the Python syntax extensions
 * read and replace. Nunjucks ships no types for them; these name only what runbook touches.
 */

export interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}
export interface Node {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  children?: Node[];
  left?: Node;
  right?: Node;
  target?: Node;
  val?: Node;
  expr?: Node;
  ops?: { type: string; expr: Node }[];
  cond?: Node;
  body?: Node;
  else_?: Node | null;
  arr?: Node;
  name?: Node & { children?: Node[] };
  key?: Node;
  template?: Node;
  start?: Node;
  stop?: Node;
  step?: Node;
  targets?: Node[];
  args?: Node;
  rbFloat?: boolean;
  rbTuple?: boolean;
  rbIterOf?: Node;
  rbFilter?: Node;
  rbLoopName?: Node & { children?: Node[] };
}
export interface Tokenizer {
  str: string;
  index: number;
  len: number;
  /** `{` opened and not yet closed inside the current tag: a `}}` there closes dicts, not the tag. */
  rbBraces?: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  forwardN(n: number): void;
  nextToken(): Token | null;
}
export interface Parser {
  tokens: Tokenizer;
  peekToken(): Token;
  nextToken(): Token;
  pushToken(tok: Token): void;
  skip(type: string): boolean;
  skipSymbol(name: string): boolean;
  skipValue(type: string, value: string): boolean;
  expect(type: string): Token;
  fail(message: string, lineno?: number, colno?: number): never;
  parseExpression(): Node;
  parseInlineIf(): Node;
  parseOr(): Node;
  parseAnd(): Node;
  parseNot(): Node;
  parseCompare(): Node;
  parseMath1(): Node;
  parseConcat(): Node;
  parseMath2(): Node;
  parsePow(): Node;
  parseUnary(noFilters?: boolean): Node;
  parsePrimary(noPostfix?: boolean): Node;
  parsePostfix(node: Node): Node;
  parseFilterName(): Node;
  parseSignature(tolerant?: boolean, noParens?: boolean): Node;
  parseFilterExpr(node: Node): Node;
  parseTest(node: Node): Node;
  parseAggregate(): Node | null;
  parseStatement(): Node | null;
  parseSet(): Node;
  parseRaw(): Node;
  dropLeadingWhitespace: boolean;
  parseFilterStatement(): Node;
  parseFilterName(): Node;
  parseUntilBlocks(...names: string[]): Node;
  advanceAfterBlockEnd(name?: string): Token;
  breakOnBlocks: string[] | null;
}
/** A compile-time scope: the generated code's `frame`. */
export interface Frame {
  push(): Frame;
  lookup(name: string): unknown;
  set(name: string, val: unknown, resolveUp?: boolean): void;
}
export interface Compiler {
  _emit(code: string): void;
  _emitLine(code: string): void;
  _tmpid(): string;
  compile(node: Node, frame: Frame): void;
  _compileExpression(node: Node, frame: Frame): void;
  /** How many `for` loops enclose the code being compiled: a `{% set %}` inside one is loop-local. */
  _rbLoopDepth?: number;
}
