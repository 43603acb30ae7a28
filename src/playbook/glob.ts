/**
 * Shell-style wildcards, as host patterns, known_hosts lines and lab fault targets write them: `*` is any
 * run of characters, `?` exactly one, anything else itself. One matcher for all three.
 */

/** Whether `text` holds a wildcard, so that it is a glob rather than a name. */
export function isGlob(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Whether the whole of `text` matches `pattern`. */
export function globMatch(pattern: string, text: string): boolean {
  // Iterative, backtracking to the last `*`: linear in practice, and no regular expression built from input.
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
