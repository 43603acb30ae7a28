import { beforeAll, describe, expect, it } from 'vitest';
import { editLines, type LineInFileArgs } from '../../src/actions/lineinfile-edit.js';
import { askOracle } from '../support/oracle.js';

/**
 * Differential test: each case runs through Ansible's own lineinfile code (test/support/lineinfile_oracle.py)
 * and through runbook's port; the resulting file, `changed` and the message must be the same.
 */

interface Case {
  content: string | null;
  params: Partial<LineInFileArgs> & { line?: string };
}

const CONF = '# sshd\nPort 22\n#PermitRootLogin yes\nPasswordAuthentication yes\nUsePAM yes\n';
const CASES: Case[] = [
  { content: CONF, params: { regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' } },
  { content: CONF, params: { regexp: '^Port ', line: 'Port 22' } },
  { content: CONF, params: { regexp: '^Port ', line: 'Port 2222' } },
  { content: CONF, params: { line: 'UsePAM yes' } },
  { content: CONF, params: { line: 'X11Forwarding no' } },
  { content: CONF, params: { line: 'X11Forwarding no', insertafter: '^Port' } },
  { content: CONF, params: { line: 'X11Forwarding no', insertbefore: '^UsePAM' } },
  { content: CONF, params: { line: 'X11Forwarding no', insertbefore: 'BOF' } },
  { content: CONF, params: { line: 'X11Forwarding no', insertafter: 'EOF' } },
  { content: CONF, params: { line: 'X11Forwarding no', insertafter: '^nomatch' } },
  { content: CONF, params: { line: 'X11Forwarding no', insertbefore: '^nomatch' } },
  { content: CONF, params: { line: 'Port 22', insertafter: '^UsePAM' } },
  { content: CONF, params: { regexp: '^nomatch', line: 'New 1', insertafter: '^Port' } },
  { content: CONF, params: { regexp: '^nomatch', line: 'New 1', insertbefore: '^Port' } },
  { content: CONF, params: { regexp: '^(Password\\w+) yes', line: '\\1 no', backrefs: true } },
  { content: CONF, params: { regexp: '^(Nothing) yes', line: '\\1 no', backrefs: true } },
  { content: CONF, params: { regexp: '^(?P<k>Use\\w+) (?P<v>\\w+)$', line: '\\g<k> no', backrefs: true } },
  { content: 'a=1\na=2\na=3\n', params: { regexp: '^a=', line: 'a=9' } },
  { content: 'a=1\na=2\na=3\n', params: { regexp: '^a=', line: 'a=9', firstmatch: true } },
  { content: 'x\nanchor\ny\nanchor\nz\n', params: { line: 'new', insertafter: '^anchor' } },
  { content: 'x\nanchor\ny\nanchor\nz\n', params: { line: 'new', insertafter: '^anchor', firstmatch: true } },
  { content: 'x\nanchor\ny\nanchor\nz\n', params: { line: 'new', insertbefore: '^anchor' } },
  { content: 'x\nanchor\ny\nanchor\nz\n', params: { line: 'new', insertbefore: '^anchor', firstmatch: true } },
  { content: 'x\nanchor', params: { line: 'new', insertafter: '^anchor' } },
  { content: 'no newline at end', params: { line: 'added' } },
  { content: '', params: { line: 'only' } },
  { content: 'a\r\nb\r\n', params: { regexp: '^b', line: 'B' } },
  { content: 'a\r\nb\r\n', params: { line: 'b' } },
  { content: CONF, params: { search_string: 'PasswordAuthentication', line: 'PasswordAuthentication no' } },
  { content: CONF, params: { search_string: 'nomatch', line: 'Tail yes' } },
  { content: 'key = value  \n', params: { regexp: 'value\\s*$', line: 'key = other' } },
  { content: null, params: { line: 'created', create: true } },
  { content: null, params: { line: 'not created' } },
  { content: CONF, params: { state: 'absent', regexp: '^#' } },
  { content: CONF, params: { state: 'absent', line: 'UsePAM yes' } },
  { content: CONF, params: { state: 'absent', search_string: 'Port' } },
  { content: CONF, params: { state: 'absent', regexp: '^nomatch' } },
  { content: null, params: { state: 'absent', regexp: '^x' } },
  { content: CONF, params: { state: 'absent' } },
  { content: CONF, params: { regexp: '^Port' } },
  { content: CONF, params: { line: 'x', backrefs: true } },
  { content: 'Dup\nDup\n', params: { line: 'Dup' } },
  { content: 'Dup\nDup\n', params: { state: 'absent', line: 'Dup' } },
  { content: 'a\nb\n', params: { regexp: '(?i)^B$', line: 'c' } },
  { content: 'a\nb\n', params: { regexp: '^b$', line: 'b' } },
];

type OracleResult =
  | { id: number; ok: true; content: string | null; changed: boolean; msg: string }
  | { id: number; ok: false; msg: string };

let oracle: OracleResult[];

beforeAll(() => {
  const cases = CASES.map((c, id) => ({ id, content: c.content, params: c.params }));
  oracle = askOracle<OracleResult[]>('lineinfile_oracle.py', cases);
}, 60_000);

describe('lineinfile edits files as Ansible does', () => {
  CASES.forEach((c, id) => {
    it(`${JSON.stringify(c.params)} on ${JSON.stringify(c.content)}`, () => {
      const expected = oracle[id]!;
      const args = { state: 'present', ...c.params } as LineInFileArgs;
      const got = editLines('PATH', c.content, args);
      if (!expected.ok) {
        expect(got).toEqual({ ok: false, msg: expected.msg });
        return;
      }
      expect(got.ok).toBe(true);
      if (!got.ok) return;
      // Ansible leaves a file it did not change (or could not find) as it was.
      const content = got.changed ? got.content : c.content;
      expect({ content, changed: got.changed, msg: got.msg }).toEqual({
        content: expected.content,
        changed: expected.changed,
        msg: expected.msg,
      });
    });
  });
});
