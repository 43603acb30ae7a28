/**
 * Line endings as Jinja2 reads a source and Ansible writes the result: every line ending becomes `\n`,
 * Jinja drops one final newline (keep_trailing_newline is off, also for included templates), and Ansible
 * gives the top-level output back as many final newlines as its source had (Templar.do_template).
 */

export function jinjaSource(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
}

/** The final newlines of a source, as Ansible counts them. */
export function trailingNewlines(source: string): string {
  return /\n*$/.exec(source)![0];
}

/** Missing final newlines are given back as `newline` (a template's newline_sequence), counted by `\n`s. */
export function restoreTrailingNewlines(sourceTail: string, out: string, newline = '\n'): string {
  const missing = sourceTail.length - trailingNewlines(out).length;
  return missing > 0 ? out + newline.repeat(missing) : out;
}

/** The line end a template module writes: `newline_sequence` as Ansible takes it, escaped ('\r\n') or not. */
export type NewlineSequence = '\n' | '\r' | '\r\n';

export function newlineSequence(written: string | undefined): NewlineSequence {
  const escaped: Record<string, NewlineSequence> = { '\\n': '\n', '\\r': '\r', '\\r\\n': '\r\n' };
  if (written === undefined) return '\n';
  return escaped[written] ?? (written === '\r' || written === '\r\n' ? written : '\n');
}

interface Tokenizer {
  nextToken(): { type: string; value: unknown } | null;
}
interface Lexer {
  lex(src: string, opts?: { rbNewline?: string }): Tokenizer;
  TOKEN_DATA: string;
  TOKEN_STRING: string;
}

let installed = false;

/**
 * Jinja2's `newline_sequence`: the line ends of the template's own text (and of its string literals) become the
 * sequence, after trim_blocks has seen them as `\n`; values printed into it keep theirs. An environment asks for
 * it with the `rbNewline` option, which nunjucks hands to its lexer.
 */
export function installNewlineSequence(lexer: Lexer): void {
  if (installed) return;
  installed = true;
  const lex = lexer.lex;
  lexer.lex = function (src, opts) {
    const tokens = lex.call(this, src, opts);
    const newline = opts?.rbNewline;
    if (newline === undefined || newline === '\n') return tokens;
    const next = tokens.nextToken.bind(tokens);
    tokens.nextToken = () => {
      const token = next();
      if (
        token &&
        (token.type === lexer.TOKEN_DATA || token.type === lexer.TOKEN_STRING) &&
        typeof token.value === 'string'
      )
        token.value = token.value.replaceAll('\n', newline);
      return token;
    };
    return tokens;
  };
}
