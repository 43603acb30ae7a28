/**
 * Nunjucks reports an unclosed `{% for %}` as "unexpected end of file" at 1:1, and a stray end tag as an
 * "unknown block tag". This finds what the parser could not say: which block is open, and where it opened.
 */

/** Block tags and the tag that closes each (`set` only when it captures a block, without `=`). */
const CLOSERS: Record<string, string> = {
  for: 'endfor',
  if: 'endif',
  macro: 'endmacro',
  call: 'endcall',
  filter: 'endfilter',
  block: 'endblock',
  raw: 'endraw',
  verbatim: 'endverbatim',
  set: 'endset',
  asyncEach: 'endeach',
  asyncAll: 'endall',
};
const CLOSING = new Set(Object.values(CLOSERS));

export interface BlockProblem {
  message: string;
  line: number;
  col: number;
}

interface OpenBlock {
  tag: string;
  line: number;
  col: number;
}

function positionOf(source: string, index: number): { line: number; col: number } {
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, col: index - before.lastIndexOf('\n') };
}

/** The first unbalanced block or delimiter of `source`, or null when every block is closed. */
export function findBlockProblem(source: string): BlockProblem | null {
  const open: OpenBlock[] = [];
  const tags = /\{#[\s\S]*?#\}|\{%-?\s*([A-Za-z_]\w*)([\s\S]*?)-?%\}/g;
  let verbatim: string | null = null;
  let scanned = 0;
  for (let m = tags.exec(source); m !== null; m = tags.exec(source)) {
    scanned = m.index + m[0].length;
    const tag = m[1];
    if (tag === undefined) continue;
    // Inside raw/verbatim only its own end tag means anything.
    if (verbatim !== null && tag !== verbatim) continue;
    const at = positionOf(source, m.index);
    const closer: string | undefined = CLOSERS[tag];
    if (closer !== undefined && !(tag === 'set' && (m[2] ?? '').includes('='))) {
      open.push({ tag, ...at });
      if (tag === 'raw' || tag === 'verbatim') verbatim = closer;
      continue;
    }
    if (!CLOSING.has(tag)) continue;
    verbatim = null;
    const top = open.pop();
    if (!top) return { message: `"{% ${tag} %}" closes no open block`, ...at };
    if (CLOSERS[top.tag] !== tag) {
      return {
        message:
          `"{% ${tag} %}" found where "{% ${top.tag} %}" (opened at ${top.line}:${top.col}) ` +
          `needs "{% ${CLOSERS[top.tag]} %}"`,
        ...at,
      };
    }
  }
  const innermost = open.pop();
  if (innermost) {
    const { tag, line, col } = innermost;
    return { message: `"{% ${tag} %}" is never closed (add "{% ${CLOSERS[tag]} %}")`, line, col };
  }
  // A delimiter opened after the last complete tag and never closed: `{{ x` or `{% if x`.
  const rest = source.slice(scanned);
  const stray = /\{\{(?![\s\S]*\}\})|\{%(?![\s\S]*%\})|\{#(?![\s\S]*#\})/.exec(rest);
  if (stray) {
    const closer = stray[0] === '{{' ? '}}' : stray[0] === '{%' ? '%}' : '#}';
    return { message: `"${stray[0]}" is never closed (add "${closer}")`, ...positionOf(source, scanned + stray.index) };
  }
  return null;
}

/** Parser messages that mean the end of the text came inside a block, or an end tag came out of turn. */
export function isBlockError(message: string): boolean {
  return /end of file|unknown block tag|expected variable end|expected block end/.test(message);
}
