/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's INI inventory uses to cut a host
 * line into the host and its `key=value` words: quotes group words and are removed, a backslash escapes the
 * next character outside single quotes, and `#` starts a comment anywhere outside quotes (unless `comments`
 * is false, as when Ansible splits ssh arguments).
 */
export function shlexSplit(line: string, opts: { comments?: boolean } = {}): { words: string[] } | { problem: string } {
  const comments = opts.comments ?? true;
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '#' && comments) {
      break;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { problem: 'No escaped character' };
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { problem: 'No closing quotation' };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return { problem: 'No closing quotation' };
        const d = line[i]!;
        if (d === '"') break;
        // Inside double quotes a backslash escapes only a quote or another backslash.
        if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return { words };
}
