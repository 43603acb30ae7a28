import { describe, expect, it } from 'vitest';
import { registered } from '../../src/actions/outcome.js';

describe('registered results', () => {
  it('carry stdout_lines and stderr_lines as Ansible splits them', () => {
    const r = registered({
      status: 'ok',
      changed: true,
      rc: 0,
      stdout: 'one\r\ntwo\n\nfour\n',
      stderr: '',
      error: null,
      reason: null,
    });
    expect(r.stdout_lines).toEqual(['one', 'two', '', 'four']);
    expect(r.stderr_lines).toEqual([]);
    expect(r).toMatchObject({ stdout: 'one\r\ntwo\n\nfour\n', rc: 0, changed: true, failed: false });
    expect(r).not.toHaveProperty('skipped');
  });
});
