import { expandReplacement, pyRegex } from '../playbook/template/py-regex.js';

/**
 * The edit `lineinfile` makes to a file's text, ported line for line from Ansible's module (present/absent)
 * so the same arguments give the same file: the last match wins unless `firstmatch`, `insertafter` and
 * `insertbefore` count only when nothing matched, an exact copy of the line anywhere counts as present,
 * `backrefs` expands `\1` from the match and leaves the file alone when nothing matched.
 */

// A type, not an interface: the action that carries these arguments must index as a plain record.
export type LineInFileArgs = {
  state: 'present' | 'absent';
  line?: string;
  regexp?: string;
  search_string?: string;
  insertafter?: string;
  insertbefore?: string;
  backrefs?: boolean;
  firstmatch?: boolean;
  create?: boolean;
};

type LineEdit =
  | { ok: true; content: string; changed: boolean; msg: string; found?: number }
  | { ok: false; msg: string };

/** Python's bytes.readlines(): lines split after each `\n`, endings kept. */
function readlines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

function stripEnd(l: string): string {
  return l.replace(/[\r\n]+$/, '');
}

function lastChar(l: string): string {
  return l.slice(-1);
}

/** `content` is the file's text, or null when the file does not exist. */
export function editLines(path: string, content: string | null, a: LineInFileArgs): LineEdit {
  if (a.state === 'absent') return absent(content, a);
  if (a.line === undefined) return { ok: false, msg: 'line is required with state=present' };
  if (a.backrefs && a.regexp === undefined) return { ok: false, msg: 'regexp is required with backrefs=true' };
  if (content === null && !a.create) return { ok: false, msg: `Destination ${path} does not exist !` };
  // Neither insertafter nor insertbefore: the line goes at the end.
  const args = a.insertafter === undefined && a.insertbefore === undefined ? { ...a, insertafter: 'EOF' } : a;
  return present(content ?? '', args, a.line);
}

function present(text: string, a: LineInFileArgs, line: string): LineEdit {
  const lines = readlines(text);
  const sep = '\n';
  const { regexp, search_string: search, insertafter, insertbefore } = a;
  const ins =
    insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF'
      ? pyRegex(insertafter)
      : insertbefore !== undefined && insertbefore !== 'BOF'
        ? pyRegex(insertbefore)
        : null;
  const index = [-1, -1];
  let match: RegExpExecArray | boolean | null = null;
  let exactLineMatch = false;

  if (regexp !== undefined) {
    const re = pyRegex(regexp);
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i]!);
      if (m) {
        index[0] = i;
        match = m;
        if (a.firstmatch) break;
      }
    }
  }
  if (search !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.includes(search)) {
        index[0] = i;
        match = true;
        if (a.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (let i = 0; i < lines.length; i++) {
      const cur = lines[i]!;
      if (line === stripEnd(cur)) {
        index[0] = i;
        exactLineMatch = true;
      } else if (ins && ((ins.lastIndex = 0), ins.test(cur))) {
        if (insertafter !== undefined) {
          index[1] = i + 1;
          if (a.firstmatch) break;
        }
        if (insertbefore !== undefined) {
          index[1] = i;
          if (a.firstmatch) break;
        }
      }
    }
  }

  let msg = '';
  let changed = false;
  const add = (at: number): void => {
    lines.splice(at, 0, line + sep);
    msg = 'line added';
    changed = true;
  };
  if (index[0]! !== -1) {
    let newLine = a.backrefs && match && typeof match !== 'boolean' ? expandReplacement(line, match) : line;
    if (!newLine.endsWith(sep)) newLine += sep;
    if (regexp === undefined && search === undefined && !match && !exactLineMatch) {
      if (insertafter !== undefined && insertafter !== 'EOF') {
        if (lines.length && !['\n', '\r'].includes(lastChar(lines[lines.length - 1]!))) lines[lines.length - 1] += sep;
        if (lines.length === index[1]) {
          if (stripEnd(lines[index[1]! - 1]!) !== line) add(lines.length);
        } else if (stripEnd(lines[index[1]!]!) !== line) add(index[1]!);
      } else if (insertbefore !== undefined && insertbefore !== 'BOF') {
        if (index[1]! <= 0) {
          if (stripEnd(lines.at(index[1]!)!) !== line) add(index[1]!);
        } else if (stripEnd(lines[index[1]! - 1]!) !== line) add(index[1]!);
      }
    } else if (lines[index[0]!] !== newLine) {
      lines[index[0]!] = newLine;
      msg = 'line replaced';
      changed = true;
    }
  } else if (a.backrefs) {
    // Nothing matched, so the backreferences have nothing to expand: the file is left alone.
  } else if (insertbefore === 'BOF' || insertafter === 'BOF') {
    add(0);
  } else if (insertafter === 'EOF' || index[1] === -1) {
    if (lines.length && !['\n', '\r'].includes(lastChar(lines[lines.length - 1]!))) lines.push(sep);
    add(lines.length);
  } else if (insertafter !== undefined && index[1] !== -1) {
    if (lines.length === index[1]) {
      if (stripEnd(lines[index[1]! - 1]!) !== line) add(lines.length);
    } else if (line !== stripEnd(lines[index[1]!]!)) add(index[1]!);
  } else {
    add(index[1]!);
  }
  return { ok: true, content: lines.join(''), changed, msg };
}

function absent(text: string | null, a: LineInFileArgs): LineEdit {
  if (a.regexp === undefined && a.search_string === undefined && a.line === undefined) {
    return { ok: false, msg: 'one of line, search_string, or regexp is required with state=absent' };
  }
  if (text === null) return { ok: true, content: '', changed: false, msg: 'file not present', found: 0 };
  const re = a.regexp !== undefined ? pyRegex(a.regexp) : null;
  let found = 0;
  const kept = readlines(text).filter((cur) => {
    const hit = re
      ? ((re.lastIndex = 0), re.test(cur))
      : a.search_string !== undefined
        ? cur.includes(a.search_string)
        : a.line === stripEnd(cur);
    if (hit) found++;
    return !hit;
  });
  return {
    ok: true,
    content: kept.join(''),
    changed: found > 0,
    msg: found > 0 ? `${found} line(s) removed` : '',
    found,
  };
}
