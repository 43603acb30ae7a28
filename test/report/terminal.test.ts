import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../src/report/terminal.js';
import { runCli } from '../support/cli.js';
import { useLabs } from '../support/fixtures.js';

/** Device- and playbook-controlled text never steers the terminal it is printed on. */

const fixtures = useLabs({ seed: 4 });
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('writes controls as visible escapes and keeps newlines, tabs and ordinary text', () => {
    expect(terminalSafe('a\x1b]0;title\x07b\r\n\tc\u202ed\x9bé')).toBe('a\\x1b]0;title\\x07b\\r\n\tc\\u202ed\\x9bé');
  });
});

describe('human output of a run', () => {
  it('shows escape sequences from a remote file, a task name and a template as text', async () => {
    const l = await fixtures.lab({ hosts: 1 });
    const dir = fixtures.tempDir('runbook-terminal-');
    // The device's current file clears the screen and retitles the window, if printed raw.
    l.writeFile('r001', '/etc/motd', 'old\x1b[2J\x1b]0;pwned\x07\n');
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'motd.njk'), 'new\x1b[31m red\u202e\n');
    const inventory = readFileSync(l.inventoryPath, 'utf8');
    writeFileSync(join(dir, 'inventory.yml'), inventory);
    writeFileSync(
      join(dir, 'site.yml'),
      [
        '- hosts: all',
        '  inventory: inventory.yml',
        '  tasks:',
        '    - name: "push \\e[8mhidden\\e[0m"',
        '      template: { src: motd.njk, dest: /etc/motd }',
        '',
      ].join('\n'),
    );
    const apply = await runCli(['apply', 'site.yml', '--diff', '--verbose', '--run-dir', dir], { cwd: dir });
    expect(apply.code).toBe(0);
    const plan = await runCli(['plan', 'site.yml'], { cwd: dir });
    expect(plan.code).toBe(0);
    for (const out of [apply.stdout, apply.stderr, plan.stdout]) expect(out).not.toMatch(CONTROL);
    expect(apply.stdout).toContain('-old\\x1b[2J\\x1b]0;pwned\\x07');
    expect(apply.stdout).toContain('+new\\x1b[31m red\\u202e');
    expect(apply.stdout).toContain('push \\x1b[8mhidden\\x1b[0m');
    expect(plan.stdout).toContain('| new\\x1b[31m red\\u202e');
  });
});
