/** Where text holds template syntax: an expression, a statement or a comment. */
export const TEMPLATE_MARK = /\{\{|\{%|\{#/;

/**
 * Text marked `!unsafe`, written so that rendering it gives it back as it is: one string literal, which no
 * rendering of the variable, of a task value holding it, or of `hostvars` can read as a template.
 */
export function unsafeText(text: string): string {
  if (!TEMPLATE_MARK.test(text)) return text;
  const literal = text.replace(/[\\'\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
  return `{{ '${literal}' }}`;
}
