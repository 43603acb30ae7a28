import { beforeAll, describe, expect, it } from 'vitest';
import { editBlock, type BlockInFileArgs } from '../../src/actions/blockinfile-edit.js';
import { askOracle } from '../support/oracle.js';

/**
 * Differential test: each case runs through Ansible's own blockinfile module (test/support/module_oracle.py)
 * and through runbook's port; the resulting file, `changed` and the message must be the same.
 */

interface Case {
  content: string | null;
  args: Partial<BlockInFileArgs>;
}

const BASE = 'line one\nanchor here\nline three\n';
const MANAGED = 'top\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nbottom\n';
const CASES: Case[] = [
  { content: BASE, args: { block: 'a\nb' } },
  { content: BASE, args: { block: 'a\nb\n' } },
  { content: BASE, args: { block: 'a', insertafter: '^anchor' } },
  { content: BASE, args: { block: 'a', insertbefore: '^anchor' } },
  { content: BASE, args: { block: 'a', insertbefore: 'BOF' } },
  { content: BASE, args: { block: 'a', insertafter: 'EOF' } },
  { content: BASE, args: { block: 'a', insertafter: '^nomatch' } },
  { content: BASE, args: { block: 'a', insertbefore: '^nomatch' } },
  { content: 'x\nanchor\nanchor\ny\n', args: { block: 'a', insertafter: '^anchor' } },
  { content: MANAGED, args: { block: 'new' } },
  { content: MANAGED, args: { block: 'old' } },
  { content: MANAGED, args: { block: '' } },
  { content: MANAGED, args: { state: 'absent' } },
  { content: BASE, args: { state: 'absent' } },
  { content: MANAGED, args: { block: 'new', insertbefore: 'BOF' } },
  { content: 'no newline', args: { block: 'a' } },
  { content: '', args: { block: 'a' } },
  { content: null, args: { block: 'a', create: true } },
  { content: null, args: { block: 'a' } },
  { content: null, args: { state: 'absent' } },
  { content: null, args: { state: 'absent', create: true } },
  { content: BASE, args: { block: 'k=v', marker: '<!-- {mark} managed -->' } },
  { content: BASE, args: { block: 'k=v', marker_begin: 'START', marker_end: 'STOP' } },
  { content: 'a\r\nb\r\n', args: { block: 'c' } },
  { content: 'one\ntwo\nthree\n', args: { block: 'X', insertafter: '(?m)^two$' } },
  { content: 'one\ntwo\nthree\n', args: { block: 'X', insertbefore: '(?m)^two$' } },
  { content: '# END ANSIBLE MANAGED BLOCK\nmid\n# BEGIN ANSIBLE MANAGED BLOCK\n', args: { block: 'swap' } },
];

interface OracleResult {
  id: number;
  result: { changed?: boolean; failed?: boolean; msg?: string };
  content: string | null;
}

let oracle: OracleResult[];

beforeAll(() => {
  oracle = askOracle<OracleResult[]>(
    'module_oracle.py',
    CASES.map((c, id) => ({ id, module: 'blockinfile', content: c.content, args: { path: 'PATH', ...c.args } })),
  );
}, 60_000);

describe('blockinfile edits files as Ansible does', () => {
  CASES.forEach((c, id) => {
    it(`${JSON.stringify(c.args)} on ${JSON.stringify(c.content)}`, () => {
      const { result, content } = oracle[id]!;
      const got = editBlock('PATH', c.content, { state: 'present', ...c.args } as BlockInFileArgs);
      if (result.failed) {
        expect(got).toEqual({ ok: false, msg: result.msg });
        return;
      }
      expect(got.ok).toBe(true);
      if (!got.ok) return;
      const after = got.changed ? got.content : c.content;
      expect({ content: after, changed: got.changed, msg: got.msg }).toEqual({
        content,
        changed: result.changed,
        msg: result.msg,
      });
    });
  });
});
