import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDuration } from '../../src/playbook/duration.js';
import { firstInvalidUtf8 } from '../../src/playbook/input-file.js';
import { runCli } from '../support/cli.js';

/** Input that would crash, quietly change meaning, or arm a timer that fires at once: refused with its place. */

let dir: string;
const PLAY = (vars: string, extra = '') =>
  `- hosts: all\n  inventory: inv.yml\n${extra}  vars:\n    x: ${vars}\n  tasks:\n    - command: echo {{ x }}\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-limits-'));
  writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    r1: { host: 127.0.0.1 }\n');
  writeFileSync(join(dir, 'flow-deep.yml'), PLAY(`${'['.repeat(5000)}${']'.repeat(5000)}`));
  writeFileSync(join(dir, 'flow-700.yml'), PLAY(`${'['.repeat(700)}${']'.repeat(700)}`));
  // With the play list, the play and its vars, 97 lists make exactly 100 levels.
  writeFileSync(join(dir, 'flow-100.yml'), PLAY(`${'['.repeat(97)}${']'.repeat(97)}`));
  writeFileSync(join(dir, 'flow-101.yml'), PLAY(`${'['.repeat(98)}${']'.repeat(98)}`));
  let block = 'all:\n  hosts:\n    r1: {}\n  vars:\n';
  let indent = '    ';
  for (let i = 0; i < 3000; i++) (block += `${indent}a:\n`), (indent += '  ');
  writeFileSync(join(dir, 'inv-deep.yml'), `${block}${indent}b: 1\n`);
  // Latin-1 "é" (0xe9) where UTF-8 was expected: line 4, after "    x: caf".
  const head = Buffer.from(PLAY('caf').split('\n').slice(0, 4).join('\n'));
  writeFileSync(join(dir, 'latin1.yml'), Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('\n  tasks: []\n')]));
  writeFileSync(
    join(dir, 'durations.yml'),
    PLAY('1', '  connect_timeout: 0\n').replace(
      '    - command: echo {{ x }}\n',
      '    - command: echo\n      timeout: 1000h\n    - command: echo\n      timeout: "0.0s"\n      retry_delay: 99h\n',
    ),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(...args: string[]) {
  const r = await runCli(['validate', ...args], { cwd: dir, timeoutMs: 60_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return {
    code: r.code,
    lines: r.stdout.split('\n').filter((l) => l !== '' && !/^\d+ problems? in \d+ files?$/.test(l)),
  };
}

describe('deep nesting', () => {
  const files = [['flow-deep.yml'], ['flow-700.yml'], ['flow-101.yml']];
  it.each(files)('in a playbook (%s) is one located line, exit 4', async (file) => {
    const r = await validate(file);
    expect(r.code).toBe(4);
    expect(r.lines).toHaveLength(1);
    const line = `^${file.replace('.', '\\.')}:4:\\d+: nested too deeply: more than 100 levels of lists and mappings$`;
    expect(r.lines[0]).toMatch(new RegExp(line));
  });

  it('in an inventory is one located line, exit 4; 100 levels are fine', async () => {
    const r = await validate('-i', 'inv-deep.yml', 'flow-100.yml');
    expect(r.code).toBe(4);
    expect(r.lines).toEqual([expect.stringMatching(/^inv-deep\.yml:\d+:\d+: nested too deeply: more than 100 levels/)]);
    expect((await validate('flow-100.yml')).code).toBe(0);
  });
});

describe('non-UTF-8 input', () => {
  it('is refused with the byte offset and its line and column, not turned into U+FFFD', async () => {
    const r = await validate('latin1.yml');
    expect(r.code).toBe(4);
    const offset = PLAY('caf').split('\n').slice(0, 4).join('\n').length;
    expect(r.lines).toEqual([`latin1.yml:4:11: not valid UTF-8 at byte ${offset} (0xe9): latin1.yml`]);
  });

  it('finds the first bad byte: stray continuation, overlong form, surrogate, cut-short sequence', () => {
    expect(firstInvalidUtf8(Buffer.from('plain ascii é € 😀'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2);
  });
});

describe('durations', () => {
  it('that overflow a timer, and a zero timeout, are refused by the schema', async () => {
    const r = await validate('durations.yml');
    expect(r.code).toBe(4);
    expect(r.lines).toEqual([
      'durations.yml:3:20: connect_timeout: expected a duration longer than zero',
      expect.stringMatching(/^durations\.yml:8:16: timeout: expected a duration like .* \(at most 999999s or 99h\)$/),
      'durations.yml:10:16: timeout: expected a duration longer than zero',
    ]);
  });

  it('are never longer than a timer can wait', () => {
    expect(parseDuration('99h')).toBe(356_400_000);
    expect(parseDuration('1000h')).toBeNull();
    expect(parseDuration(MAX_DURATION_MS / 1000 + 1)).toBeNull();
  });
});
