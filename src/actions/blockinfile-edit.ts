import { pyRegex } from '../playbook/template/py-regex.js';

/**
 * The edit `blockinfile` makes to a file's text, ported from Ansible's module so the same arguments give the
 * same file: the block sits between two marker lines, replaces the block already there (found by its
 * markers), or goes after the last line matching `insertafter` / before `insertbefore` (or at the end).
 */

export interface BlockInFileArgs {
  state: 'present' | 'absent';
  block?: string;
  marker?: string;
  marker_begin?: string;
  marker_end?: string;
  insertafter?: string;
  insertbefore?: string;
  create?: boolean;
}

type BlockEdit = { ok: true; content: string; changed: boolean; msg: string } | { ok: false; msg: string };

const DEFAULT_MARKER = '# {mark} ANSIBLE MANAGED BLOCK';

/** Python's bytes.splitlines(True): lines end at `\n`, `\r\n` or `\r`, endings kept. */
function splitLinesKeep(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** `content` is the file's text, or null when it does not exist. */
export function editBlock(path: string, content: string | null, a: BlockInFileArgs): BlockEdit {
  // As in Ansible, a missing file is an error before the state is looked at, unless `create` is set.
  if (content === null && !a.create) return { ok: false, msg: `Path ${path} does not exist !` };
  if (content === null && a.state === 'absent') {
    return { ok: true, content: '', changed: false, msg: `File ${path} not present` };
  }
  const original = content;
  const lines = original === null ? [] : splitLinesKeep(original);
  let insertafter = a.insertafter;
  const insertbefore = a.insertbefore;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  const insertPattern =
    insertafter !== undefined && insertafter !== 'EOF'
      ? insertafter
      : insertbefore !== undefined && insertbefore !== 'BOF'
        ? insertbefore
        : undefined;
  const marker = a.marker ?? DEFAULT_MARKER;
  const marker0 = `${marker.split('{mark}').join(a.marker_begin ?? 'BEGIN')}\n`;
  const marker1 = `${marker.split('{mark}').join(a.marker_end ?? 'END')}\n`;
  let block = a.block ?? '';
  let blocklines: string[] = [];
  if (a.state === 'present' && block) {
    if (!block.endsWith('\n')) block += '\n';
    blocklines = [marker0, ...splitLinesKeep(block), marker1];
  }

  let n0: number | null = null;
  let n1: number | null = null;
  lines.forEach((line, i) => {
    if (line === marker0) n0 = i;
    if (line === marker1) n1 = i;
  });
  if (n0 === null || n1 === null) {
    n0 = null;
    if (insertPattern !== undefined) {
      const multiline = /^\(\?[a-zA-Z]*m/.test(insertPattern);
      if (multiline) {
        const m = pyRegex(insertPattern).exec(original ?? '');
        if (m) {
          const upto = insertafter !== undefined ? m.index + m[0].length : m.index;
          n0 = ((original ?? '').slice(0, upto).match(/\n/g) ?? []).length;
        }
      } else {
        const re = pyRegex(insertPattern);
        lines.forEach((line, i) => {
          re.lastIndex = 0;
          if (re.test(line)) n0 = i;
        });
      }
      if (n0 === null) n0 = lines.length;
      else if (insertafter !== undefined) n0 += 1;
    } else if (insertbefore !== undefined) n0 = 0;
    else n0 = lines.length;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  const at: number = n0;
  if (at > 0 && !lines[at - 1]!.endsWith('\n')) lines[at - 1] += '\n';
  lines.splice(at, 0, ...blocklines);
  const result = lines.join('');
  if (original === result) return { ok: true, content: result, changed: false, msg: '' };
  if (original === null) return { ok: true, content: result, changed: true, msg: 'File created' };
  return {
    ok: true,
    content: result,
    changed: true,
    msg: blocklines.length === 0 ? 'Block removed' : 'Block inserted',
  };
}
