import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * A pull request can change a playbook, and CI validates it: validating must never run the playbook's code.
 * Each payload would create a file and print a marker if it ran.
 */

let dir: string;
let pwned: string;

function payload(): string {
  // A Nunjucks string of JavaScript (backticks only, so no YAML quoting): the marker's halves meet only if it runs.
  return (
    '"process.getBuiltinModule(`fs`).writeFileSync(`' +
    pwned +
    '`, `x`); ' +
    'process.stdout.write(`PWN` + `ED_MARK`); return 1"'
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-hostile-'));
  pwned = join(dir, 'PWNED');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'inventory.yml'), 'all:\n  hosts:\n    r1: { host: 127.0.0.1, port: 2201 }\n');
  writeFileSync(
    join(dir, 'site.yml'),
    [
      '- hosts: all',
      '  inventory: inventory.yml',
      '  tasks:',
      '    - name: compile-time',
      '      command: |-',
      `        {{ range.constructor(${payload()})() }}`,
      '    - name: run-time',
      '      command: |-',
      `        {% set k = 'constr' ~ 'uctor' %}{{ cycler[k](${payload()})() }}`,
      '    - name: condition, refused as it is parsed',
      '      command: "true"',
      '      when: |-',
      `        joiner().constructor(${payload()})()`,
      '    - name: file',
      '      template: { src: evil.njk, dest: /tmp/evil }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'templates', 'evil.njk'),
    `header\n{% set x = '__pro' ~ 'to__' %}{{ ''[x]['constr' ~ 'uctor']['constr' ~ 'uctor'](${payload()})() }}\n`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runbook validate on a hostile playbook', () => {
  it('runs none of its code and names each attempt on one located line, exit 4', async () => {
    const r = await runCli(['validate', 'site.yml'], { cwd: dir });
    expect(existsSync(pwned)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain('PWNED_MARK');
    expect(r.code).toBe(4);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.pop()).toBe('4 problems in 2 files');
    expect(lines).toHaveLength(4);
    const located = /^(site\.yml|templates\/evil\.njk):\d+:\d+: .*is not reachable from a template/;
    for (const l of lines) expect(l).toMatch(located);
    expect(lines.some((l) => l.startsWith('templates/evil.njk:2:'))).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
