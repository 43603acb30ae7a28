/** A place in a source file, 1-based. */
export interface Loc {
  file: string;
  line: number;
  col: number;
}

/** One problem found in user input. Nothing downstream reports an error without a location. */
export interface Diagnostic extends Loc {
  message: string;
  hint?: string;
}

export function diagnostic(loc: Loc, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { ...loc, message } : { ...loc, message, hint };
}

/** `file:line:col: message (hint)` — the one-line form every command prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${d.file}:${d.line}:${d.col}: ${d.message}${hint}`;
}

/** Equal texts compare without localeCompare: its first call loads ICU's collator, a tenth of start-up. */
const byText = (a: string, b: string): number => (a === b ? 0 : a.localeCompare(b));

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => byText(a.file, b.file) || a.line - b.line || a.col - b.col || byText(a.message, b.message),
  );
}
