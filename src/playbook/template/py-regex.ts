import { PyError } from './python.js';

/**
 * Python `re` patterns and replacement strings, translated for JavaScript's RegExp so `regex_search`,
 * `regex_replace`, `regex_findall` and the `match`/`search` tests accept what Ansible accepts:
 * `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, inline flags `(?i)`, `$` before a final newline, and `\1` /
 * `\g<name>` in replacements.
 */

interface PyRegexFlags {
  ignorecase?: boolean;
  multiline?: boolean;
}

const cache = new Map<string, RegExp>();

export function pyRegex(pattern: string, flags: PyRegexFlags = {}, global = false): RegExp {
  const key = `${flags.ignorecase ? 'i' : ''}${flags.multiline ? 'm' : ''}${global ? 'g' : ''}\0${pattern}`;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  let src = pattern;
  let f = '';
  let ignore = Boolean(flags.ignorecase);
  let multi = Boolean(flags.multiline);
  let dotall = false;
  let verbose = false;
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    ignore ||= lead[1]!.includes('i');
    multi ||= lead[1]!.includes('m');
    dotall = lead[1]!.includes('s');
    verbose = lead[1]!.includes('x');
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (verbose && !inClass) {
      if (/\s/.test(ch)) continue;
      if (ch === '#') {
        while (i < src.length && src[i] !== '\n') i++;
        continue;
      }
    }
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === undefined) throw new PyError('Error', `bad escape (end of pattern) in ${pattern}`);
      i++;
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += `\\${src[++i]}`;
      continue;
    }
    if (ch === '(' && src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (ch === '(' && src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
      continue;
    }
    // Python's `$` also matches just before a newline that ends the text.
    if (ch === '$' && !multi) {
      out += '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    out += ch;
  }
  if (ignore) f += 'i';
  if (multi) f += 'm';
  if (dotall) f += 's';
  if (global) f += 'g';
  let re: RegExp;
  try {
    re = new RegExp(out, f);
  } catch (err) {
    throw new PyError('Error', `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, re);
  return re;
}

/** Expands a Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`) for one match. */
export function expandReplacement(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '\\' || i + 1 >= template.length) {
      out += ch;
      continue;
    }
    const next = template[i + 1]!;
    if (next === 'g') {
      const g = /^\\g<([^>]+)>/.exec(template.slice(i));
      if (!g) throw new PyError('Error', 'missing < in group reference');
      const name = g[1]!;
      const v = /^\d+$/.test(name) ? m[Number(name)] : m.groups?.[name];
      if (!/^\d+$/.test(name) && !(m.groups && name in m.groups))
        throw new PyError('Error', `unknown group name '${name}'`);
      out += v ?? '';
      i += g[0].length - 1;
      continue;
    }
    const d = /^\\(\d{1,2})/.exec(template.slice(i));
    if (d) {
      const n = Number(d[1]);
      if (n >= m.length) throw new PyError('Error', `invalid group reference ${n}`);
      out += m[n] ?? '';
      i += d[0].length - 1;
      continue;
    }
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', f: '\f', v: '\v', b: '\b' };
    if (next in esc) out += esc[next];
    else out += `\\${next}`;
    i++;
  }
  return out;
}

/** `re.sub`: every non-overlapping match replaced (an empty match right after a match counts, as since 3.7). */
export function pySub(pattern: string, replacement: string, value: string, flags: PyRegexFlags): string {
  const re = pyRegex(pattern, flags, true);
  let out = '';
  let last = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    out += value.slice(last, m.index) + expandReplacement(replacement, m);
    last = m.index + m[0].length;
    if (m[0] === '') re.lastIndex++;
  }
  return out + value.slice(last);
}
