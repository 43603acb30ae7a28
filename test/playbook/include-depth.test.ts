import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** Templates that include each other in a circle stop at a depth and say so once. */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-include-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    r1: {}\n');
  writeFileSync(join(dir, 'templates', 'a.njk'), 'a\n{% include "b.njk" %}\n');
  writeFileSync(join(dir, 'templates', 'b.njk'), 'b\n{% include "a.njk" %}\n');
  // Five levels of honest nesting still render.
  for (let i = 0; i < 5; i++) {
    writeFileSync(join(dir, 'templates', `n${i}.njk`), i < 4 ? `${i}{% include "n${i + 1}.njk" %}` : 'end');
  }
  const play = (src: string) =>
    `- hosts: all\n  inventory: inv.yml\n  tasks:\n    - template: { src: ${src}, dest: /x }\n`;
  writeFileSync(join(dir, 'loop.yml'), play('a.njk'));
  writeFileSync(join(dir, 'nested.yml'), play('n0.njk'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('{% include %} recursion', () => {
  it('is one short located line, exit 4', async () => {
    const r = await runCli(['validate', 'loop.yml'], { cwd: dir });
    expect(r.code).toBe(4);
    const lines = r.stdout.split('\n').filter((l) => l !== '' && !/^\d+ problems? in \d+ files?$/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^templates\/[ab]\.njk:1:1: templates nest more than 20 levels deep through include/);
    expect(lines[0]!.length).toBeLessThan(300);
  });

  it('leaves ordinary nesting alone', async () => {
    const r = await runCli(['plan', 'nested.yml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| 0123end');
  });
});
