import { describe, expect, test } from 'vitest';
import { InventoryBuilder, InventoryError } from '../../src/inventory/data.js';
import { iniValue, parseIni } from '../../src/inventory/ini.js';
import { pythonLiteral } from '../../src/playbook/python-literal.js';
import { shlexSplit } from '../../src/inventory/shlex.js';

function parse(text: string) {
  const b = new InventoryBuilder();
  parseIni(text, 'hosts', b);
  return b;
}

function errorOf(text: string): InventoryError {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof InventoryError) return err;
    throw err;
  }
  throw new Error('expected the INI to be refused');
}

describe('INI values follow Python literal rules', () => {
  test.each([
    ['22', 22],
    ['0x1f', 31],
    ['1_000', 1000],
    ['-5', -5],
    ['2.5', 2.5],
    ['True', true],
    ['False', false],
    ['None', null],
    ["['a', 'b']", ['a', 'b']],
    ["{'k': [1, {'n': None}]}", { k: [1, { n: null }] }],
    ['(1, 2)', [1, 2]],
    ['"quoted"', 'quoted'],
    ["'it''s'", 'its'],
    ['"\\x41\\n"', 'A\n'],
    ['80 # comment', 80],
    ["r'\\d'", '\\d'],
  ])('%s is a literal', (text, value) => {
    expect(pythonLiteral(text)).toEqual({ ok: true, value });
  });
  test.each(['true', 'yes', '010', 'hello world', 'http://x:80/', '1.2.3.4', '{{ var }}', '[1, 2', "f'x'", '1j', ''])(
    '%s stays text',
    (text) => {
      expect(pythonLiteral(text)).toEqual({ ok: false });
      expect(iniValue(text)).toBe(text);
    },
  );
});

describe('shlex splitting of host lines', () => {
  test('quotes group words, backslashes escape, # starts a comment even inside a word', () => {
    expect(shlexSplit(`h a="x y" b='p q' c=d\\ e f=g#h i=j`)).toEqual({
      words: ['h', 'a=x y', 'b=p q', 'c=d e', 'f=g'],
    });
  });
  test('an unclosed quote is reported', () => {
    expect(shlexSplit('h a="x')).toEqual({ problem: 'No closing quotation' });
  });
});

describe('INI inventories', () => {
  test('children may be declared before the group, and [g:vars] before [g]', () => {
    const b = parse('[parent:children]\nkid\n[kid:vars]\nx=1\n[kid]\nh1\n');
    expect(b.groups.get('parent')!.children).toEqual(['kid']);
    expect(b.groups.get('kid')!.vars).toEqual({ x: 1 });
  });
  test('a host line port becomes ansible_port and ranges expand', () => {
    const b = parse('[web]\nweb[1:2]:2222 role=web\n');
    expect([...b.hosts.keys()]).toEqual(['web1', 'web2']);
    expect(b.hosts.get('web2')!.vars).toEqual({ ansible_port: 2222, role: 'web' });
  });
  test('ansible_group_priority orders groups and is not a variable', () => {
    const b = parse('[g]\nh\n[g:vars]\nansible_group_priority=7\n');
    expect(b.groups.get('g')!.priority).toBe(7);
    expect(b.groups.get('g')!.vars).toEqual({});
  });
  test.each([
    ['[web]\nh1 novalue\n', 2, 'expected key=value host variable assignment, got: novalue'],
    ['[web:vars]\nx=1\n', 1, 'section [web:vars] not valid for undefined group: web'],
    ['[web:children]\nmissing\n[web]\n', 2, 'section [web:children] includes undefined group: missing'],
    ['h1\n[web:nonsense]\n', 2, 'section [web:nonsense] has unknown type: nonsense'],
    ['[web group]\n', 1, "invalid section entry: '[web group]'"],
    ['[web]\nhost:\n', 2, "invalid host pattern 'host:': a trailing ':' is reserved for a port"],
    ['[web]\nh a="open\n', 2, `cannot parse host definition 'h a="open': No closing quotation`],
    [
      '[a:children]\nb\n[b:children]\na\n',
      4,
      'group "a" cannot be a child of "b": it would be its own ancestor (a > b > a)',
    ],
    ['[web]\nr[5:1]\n', 2, 'host range "r[5:1]": start 5 comes after end 1'],
  ])('%j is refused at line %i', (text, line, message) => {
    const err = errorOf(text);
    expect(err.loc.line).toBe(line);
    expect(err.message).toBe(message);
  });
});
