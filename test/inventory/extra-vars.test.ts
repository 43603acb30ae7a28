import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseExtraVars, parseKeyValues } from '../../src/inventory/extra-vars.js';

const ctx = { secrets: [], onSecret: () => undefined };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('-e as Ansible reads it', () => {
  test('key=value words keep their values as text, quotes removed, escapes decoded', () => {
    expect(parseKeyValues(`a=1 b="two words" c='x=y' d=a\\tb`)).toEqual({
      vars: { a: '1', b: 'two words', c: 'x=y', d: 'a\tb' },
    });
  });
  test('a {{ }} block is one word even with spaces in it', () => {
    expect(parseKeyValues('msg={{ a ~ b }} n=1')).toEqual({ vars: { msg: '{{ a ~ b }}', n: '1' } });
  });
  test('JSON and YAML text keep their types; later -e win', () => {
    const r = parseExtraVars(['{"a": 1, "b": [true]}', 'a=2', '{c: yes}'], ctx);
    expect(r).toEqual({ vars: { a: '2', b: [true], c: true }, problems: [] });
  });
  test('@file reads YAML or JSON relative to the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-e-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'vars.yml'), 'region: eu\nlist: [1, 2]\n');
    expect(parseExtraVars(['@vars.yml'], ctx, dir)).toEqual({ vars: { region: 'eu', list: [1, 2] }, problems: [] });
  });
  test('a path without @, a list, a missing file and unbalanced quotes are refused with the argument named', () => {
    const r = parseExtraVars(['./vars.yml', '[1, 2]', '@/nonexistent/vars.yml', 'a="open'], ctx);
    expect(r.problems).toEqual([
      '-e ./vars.yml: to read variables from a file, write -e @./vars.yml',
      '-e [1, 2]: extra variables must be a mapping of names to values',
      '-e @/nonexistent/vars.yml: no such file: /nonexistent/vars.yml',
      '-e a="open: unbalanced quotes or {{ }} block',
    ]);
  });
});
