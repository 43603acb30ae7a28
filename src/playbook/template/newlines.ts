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

export function restoreTrailingNewlines(sourceTail: string, out: string): string {
  const missing = sourceTail.length - trailingNewlines(out).length;
  return missing > 0 ? out + '\n'.repeat(missing) : out;
}
