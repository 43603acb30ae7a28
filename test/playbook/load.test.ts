import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_ALIAS_COUNT, loadYamlFile, loadYamlText } from '../../src/playbook/load.js';
import { PyFloat, pyStr } from '../../src/playbook/template/python.js';
import { unsafeText } from '../../src/playbook/template/unsafe.js';

/** A "billion laughs": nine levels of nine aliases each, 9^9 strings if it were expanded. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((n, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
  '',
].join('\n');

describe('loadYamlText', () => {
  it('keeps positions so a value can be traced to line and column', () => {
    const loaded = loadYamlText('- hosts: all\n  tasks:\n    - command: uptime\n', 'site.yml');
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.locate([0, 'tasks', 0, 'command'])).toEqual({ file: 'site.yml', line: 3, col: 16 });
    expect(loaded.locate([0, 'tasks', 0, 'command'], 'key')).toEqual({ file: 'site.yml', line: 3, col: 7 });
  });

  it('falls back to the nearest existing ancestor for a path that is not there', () => {
    const loaded = loadYamlText('- hosts: all\n  tasks: []\n', 'site.yml');
    expect(loaded.locate([0, 'tasks', 3, 'command'])).toEqual({ file: 'site.yml', line: 2, col: 10 });
  });

  it('reports a duplicate key at the second occurrence and names it', () => {
    const loaded = loadYamlText('hosts: all\nname: a\nhosts: web\n', 'site.yml');
    expect(loaded.value).toBeUndefined();
    expect(loaded.diagnostics).toEqual([{ file: 'site.yml', line: 3, col: 1, message: 'duplicate key "hosts"' }]);
  });

  it('points at the duplicate even when the key before it has no value', () => {
    const loaded = loadYamlText('all:\n  hosts:\n    r1:\n    r1: {port: 2222}\n', 'inv.yml');
    expect(loaded.diagnostics).toEqual([{ file: 'inv.yml', line: 4, col: 5, message: 'duplicate key "r1"' }]);
  });

  it('finds every duplicate in a 20,000-key mapping (1 and "1" are one name), and locates keys in one pass', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  r${i}: {}`);
    const text = `hosts:\n${keys.join('\n')}\n  r7: {}\n  1: a\n  "1": b\n  r19999: {}\n`;
    const loaded = loadYamlText(text, 'inv.yml');
    expect(loaded.diagnostics).toEqual([
      { file: 'inv.yml', line: 20_002, col: 3, message: 'duplicate key "r7"' },
      { file: 'inv.yml', line: 20_004, col: 3, message: 'duplicate key "1"' },
      { file: 'inv.yml', line: 20_005, col: 3, message: 'duplicate key "r19999"' },
    ]);
    const clean = loadYamlText(`hosts:\n${keys.join('\n')}\n`, 'inv.yml');
    const locs = clean.locateKeys(['hosts']);
    expect(locs.size).toBe(20_000);
    expect(locs.get('r12345')).toEqual({ file: 'inv.yml', line: 12_347, col: 3 });
    expect(clean.locate(['hosts', 'r12345'], 'key')).toEqual(locs.get('r12345'));
  });

  it('reports invalid YAML with one located line', () => {
    const loaded = loadYamlText('- hosts: [all\n  tasks: []\n', 'site.yml');
    expect(loaded.diagnostics).toHaveLength(1);
    expect(loaded.diagnostics[0]!.line).toBeGreaterThanOrEqual(1);
    expect(loaded.diagnostics[0]!.message).not.toContain('\n');
  });

  it('refuses a second document', () => {
    const loaded = loadYamlText('a: 1\n---\nb: 2\n', 'x.yml');
    expect(loaded.diagnostics).toEqual([
      { file: 'x.yml', line: 2, col: 1, message: 'a second YAML document starts here: the file must hold exactly one' },
    ]);
  });

  it('refuses an alias bomb quickly, at its first alias', () => {
    const started = Date.now();
    const loaded = loadYamlText(ALIAS_BOMB, 'bomb.yml');
    // Generous bound: an expansion would take minutes and gigabytes, a refusal milliseconds.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(loaded.value).toBeUndefined();
    expect(loaded.diagnostics).toEqual([
      {
        file: 'bomb.yml',
        line: 2,
        col: 8,
        message:
          `refusing to expand YAML aliases: more than ` + `${MAX_ALIAS_COUNT} alias expansions (a possible alias bomb)`,
      },
    ]);
  });

  it('still expands a few ordinary aliases', () => {
    const loaded = loadYamlText('base: &b {user: netops}\nhost: *b\n', 'x.yml');
    expect(loaded.value).toEqual({ base: { user: 'netops' }, host: { user: 'netops' } });
  });
});

describe('loadYamlFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a missing file at 1:1', () => {
    const loaded = loadYamlFile(join(dir, 'nope.yml'), 'nope.yml');
    expect(loaded.diagnostics).toEqual([{ file: 'nope.yml', line: 1, col: 1, message: 'no such file: nope.yml' }]);
  });

  it('says so when the path is a directory', () => {
    expect(loadYamlFile(dir, 'd').diagnostics[0]!.message).toBe('is a directory: d');
  });

  it('reads an empty file as null without a problem', () => {
    writeFileSync(join(dir, 'empty.yml'), '');
    const loaded = loadYamlFile(join(dir, 'empty.yml'));
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.value).toBeNull();
  });
});

describe('integral floats', () => {
  const text = '- hosts: all\n  serial: 2.0\n  vars:\n    ratio: 1.0\n    nested: {f: [3.0, 4]}\n  tasks: []\n';
  const play = (floats?: 'all' | 'vars') =>
    (loadYamlText(text, 'p.yml', { floats }).value as Record<string, unknown>[])[0]!;

  it('stay floats under vars, so templates print 1.0 as Python does; keywords stay numbers', () => {
    const p = play('vars');
    const vars = p.vars as { ratio: unknown; nested: { f: unknown[] } };
    expect(vars.ratio).toBeInstanceOf(PyFloat);
    expect(pyStr(vars.ratio)).toBe('1.0');
    expect(pyStr(vars.nested)).toBe("{'f': [3.0, 4]}");
    expect(p.serial).toBe(2);
  });

  it('stay floats everywhere in a vars file, and are plain numbers when not asked for', () => {
    expect(play('all').serial).toBeInstanceOf(PyFloat);
    expect((play().vars as { ratio: unknown }).ratio).toBe(1);
  });

  it('include a quoted one tagged !!float, as PyYAML reads it (and from_yaml does)', () => {
    const loaded = loadYamlText('a: !!float "1.0"\nb: "1.0"\n', 'v.yml', { floats: 'all' });
    const { a, b } = loaded.value as { a: unknown; b: unknown };
    expect(a).toBeInstanceOf(PyFloat);
    expect(pyStr(a)).toBe('1.0');
    expect(b).toBe('1.0');
  });
});

describe('scalars, as PyYAML resolves them', () => {
  const value = (text: string, floats?: 'all') =>
    (loadYamlText(`x: ${text}\n`, 'v.yml', floats ? { floats } : {}).value as { x: unknown }).x;

  it.each([
    ['010', 8],
    ['0644', 420],
    ['644', 644],
    ['-010', -8],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['190:20:30', 685230],
    ['-1:30', -90],
    ['1:30.5', 90.5],
    ['.5', 0.5],
    ['1.5e+3', 1500],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['yes', true],
    ['OFF', false],
    ['~', null],
    ['NULL', null],
    ['1e3', '1e3'],
    ['0o17', '0o17'],
    ['09', '09'],
    ['+.5', '+.5'],
    ['1:60', '1:60'],
    ['y', 'y'],
    ['2001-12-14', '2001-12-14'],
    ['"010"', '010'],
  ])('%s is %o', (text, expected) => {
    expect(value(text)).toEqual(expected);
  });

  it('reads .nan as NaN, and a float with nothing after its point as a float', () => {
    expect(value('.NaN')).toBeNaN();
    expect(pyStr(value('5.', 'all'))).toBe('5.0');
    expect(pyStr(value('1:00.0', 'all'))).toBe('60.0');
    expect(pyStr(value('1:00', 'all'))).toBe('60');
  });

  it('refuses an integer with no digits after its base, where PyYAML fails too, at its place', () => {
    const loaded = loadYamlText('a: 1\nx: 0x_\n', 'v.yml');
    expect(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '2:4: invalid integer "0x_": no digits after the base prefix',
    ]);
  });

  it('keeps !unsafe text and merge keys alongside', () => {
    const loaded = loadYamlText('d: &d {a: 010}\ne: {<<: *d, b: !unsafe "{{ x }}"}\n', 'v.yml');
    // !unsafe text is kept as a template that prints it verbatim.
    expect(loaded.value).toEqual({ d: { a: 8 }, e: { a: 8, b: unsafeText('{{ x }}') } });
  });
});
