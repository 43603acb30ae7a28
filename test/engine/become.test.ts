import { describe, expect, it } from 'vitest';
import { becomeCommand, becomeRefused, withoutPrompt } from '../../src/engine/become.js';

describe('become command lines', () => {
  it('gives sudo the password on standard input only, behind a prompt marker of its own', () => {
    const b = becomeCommand("echo 'hi'", { user: 'root', method: 'sudo' }, 's3cret');
    expect(b.command).not.toContain('s3cret');
    expect(b.stdin).toBe('s3cret\n');
    expect(b.command).toMatch(
      /^sudo -H -S -p '\[runbook-become-[0-9a-f]+\]' -u 'root' \/bin\/sh -c 'echo '\\''hi'\\'''$/,
    );
  });

  it('runs sudo non-interactively without a password, and su with empty input, so neither waits', () => {
    expect(becomeCommand('id', { user: 'root', method: 'sudo' }, undefined)).toEqual({
      command: "sudo -H -n -u 'root' /bin/sh -c 'id'",
    });
    expect(becomeCommand('id', { user: 'app', method: 'su' }, undefined)).toMatchObject({
      command: "su 'app' -s /bin/sh -c 'id'",
      stdin: '',
    });
  });

  it('tells a refused escalation from a failing command', () => {
    const b = becomeCommand('false', { user: 'root', method: 'sudo' }, 'x');
    expect(
      becomeRefused(1, `${b.prompt}Sorry, try again.\n${b.prompt}\nsudo: 1 incorrect password attempt\n`, b.prompt),
    ).toBe(true);
    expect(becomeRefused(1, 'sudo: a password is required\n', undefined)).toBe(true);
    expect(becomeRefused(1, `${b.prompt}some tool: Authentication failure\n`, b.prompt)).toBe(false);
    expect(becomeRefused(1, 'Password: su: Authentication failure\n', 'Password: ')).toBe(true);
    expect(withoutPrompt(`${b.prompt}err\n`, b.prompt)).toBe('err\n');
  });
});
