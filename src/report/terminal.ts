/**
 * Text from devices (diffs, output, error messages) and from playbooks and inventories (host and task names,
 * rendered templates) is printed to a terminal. Control characters in it could move the cursor, retitle the
 * window, hide lines or write to the clipboard, so human output shows them as visible escapes instead:
 * C0 controls other than newline and tab, DEL, C1 controls, and the bidirectional overrides that can make
 * text read differently from what it is. JSON output needs none of this: JSON escapes them itself.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every character that could steer a terminal written as a visible escape (`\x1b`, `\u202e`). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}
