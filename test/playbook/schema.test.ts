import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/playbook/diagnostic.js';
import { loadYamlText } from '../../src/playbook/load.js';
import { bundledSchema, schemaDiagnostics, usesPrecompiled } from '../../src/playbook/schema.js';
import { didYouMean, editDistance } from '../../src/playbook/suggest.js';

function check(schema: object, text: string): string[] {
  const loaded = loadYamlText(text, 'f.yml');
  expect(loaded.diagnostics).toEqual([]);
  return schemaDiagnostics(schema, loaded).map(formatDiagnostic);
}

const playbook = (text: string): string[] => check(bundledSchema('playbook'), text);
const inventory = (text: string): string[] => check(bundledSchema('inventory'), text);

describe('schemaDiagnostics on a schema of its own', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['size'],
    properties: {
      size: {
        'x-expected': 'a size like "10" or "10%"',
        oneOf: [
          { type: 'integer', minimum: 1 },
          { type: 'string', pattern: '^[0-9]+%$' },
        ],
      },
      colour: { enum: ['red', 'green'] },
      items: { type: 'array', items: { type: 'integer', maximum: 9 } },
    },
  };

  it('accepts a valid value with no diagnostics', () => {
    expect(check(schema, 'size: 3\ncolour: red\nitems: [1, 2]\n')).toEqual([]);
  });

  it('collapses a oneOf into one message worded by x-expected', () => {
    expect(check(schema, 'size: {a: 1}\n')).toEqual(['f.yml:1:7: size: expected a size like "10" or "10%"']);
  });

  it('words a failed branch of the right type by x-expected too', () => {
    expect(check(schema, 'size: "ten"\n')).toEqual(['f.yml:1:7: size: expected a size like "10" or "10%"']);
  });

  it('reports every error at once, sorted by position', () => {
    expect(check(schema, 'colour: gren\nitems: [1, 12, x]\n')).toEqual([
      'f.yml:1:1: missing required key "size"',
      'f.yml:1:9: colour: expected one of "red", "green" (did you mean "green"?)',
      'f.yml:2:12: items[1]: must be at most 9',
      'f.yml:2:16: items[2]: expected an integer',
    ]);
  });

  it('compiles a schema once and reuses it', () => {
    const first = check(schema, 'size: 0\n');
    expect(check(schema, 'size: 0\n')).toEqual(first);
  });
});

describe('the playbook schema', () => {
  it('points an unknown key at the key and suggests the near one', () => {
    expect(playbook('- hosts: all\n  serail: 2\n  tasks: []\n')).toEqual([
      'f.yml:2:3: unknown key "serail" (did you mean "serial"?)',
    ]);
  });

  it('does not suggest an unrelated key', () => {
    expect(playbook('- hosts: all\n  colour_scheme: dark\n  tasks: []\n')).toEqual([
      'f.yml:2:3: unknown key "colour_scheme"',
    ]);
  });

  it('accepts a single play written as a mapping', () => {
    expect(playbook('hosts: all\ntasks:\n  - command: uptime\n')).toEqual([]);
  });

  it.each([
    ['0', 'serial: expected a positive integer or a percentage string in (0, 100] like "10%"'],
    ['-1', 'serial: expected a positive integer or a percentage string in (0, 100] like "10%"'],
    ['"0%"', 'serial: expected a positive integer or a percentage string in (0, 100] like "10%"'],
    ['"150%"', 'serial: expected a positive integer or a percentage string in (0, 100] like "10%"'],
    ['abc', 'serial: expected a positive integer or a percentage string in (0, 100] like "10%"'],
    ['{a: 1}', 'serial: expected an integer, a percentage string like "10%", or a list of them'],
  ])('refuses serial: %s with one message', (value, message) => {
    expect(playbook(`- hosts: all\n  serial: ${value}\n  tasks: []\n`)).toEqual([`f.yml:2:11: ${message}`]);
  });

  it.each([['1'], ['"100%"'], ['"0.5%"'], ['"12.5%"'], ['[1, "10%", "50%"]']])('accepts serial: %s', (value) => {
    expect(playbook(`- hosts: all\n  serial: ${value}\n  tasks: []\n`)).toEqual([]);
  });

  it('points at the bad entry of a serial list', () => {
    expect(playbook('- hosts: all\n  serial: [1, "150%"]\n  tasks: []\n')).toEqual([
      'f.yml:2:15: serial[1]: expected a positive integer or a percentage string in (0, 100] like "10%"',
    ]);
  });

  it('refuses a duration it cannot read', () => {
    expect(playbook('- hosts: all\n  connect_timeout: 10 minutes\n  tasks: []\n')).toEqual([
      'f.yml:2:20: connect_timeout: expected a duration like "500ms", "10s", "5m", "1h" or a number of seconds ' +
        '(at most 999999s or 99h)',
    ]);
  });

  it('says a list was given where a mapping is expected', () => {
    expect(playbook('- hosts: all\n  vars: [a, b]\n  tasks: []\n')).toEqual([
      'f.yml:2:9: vars: expected a mapping of variable names to values',
    ]);
  });

  it('types the keys of tasks', () => {
    expect(
      playbook(
        '- hosts: all\n  tasks:\n    - command: x\n      retries: two\n      when: [1]\n      check_mode: dry\n      ' +
          'register: 2nd\n',
      ),
    ).toEqual([
      'f.yml:4:16: retries: expected an integer',
      'f.yml:5:14: when[0]: expected an expression string',
      'f.yml:6:19: check_mode: expected one of "run", "skip"',
      'f.yml:7:17: register: expected an identifier (letters, digits and _, not starting with a digit)',
    ]);
  });

  it('requires hosts and tasks, at the play', () => {
    expect(playbook('- name: nothing\n')).toEqual([
      'f.yml:1:3: missing required key "hosts"',
      'f.yml:1:3: missing required key "tasks"',
    ]);
  });

  it('names a top-level item by what it should be', () => {
    expect(playbook('- hosts: all\n  tasks: []\n- hello\n')).toEqual([
      'f.yml:3:3: play 2: expected a play (a mapping with hosts and tasks)',
    ]);
  });

  it('refuses a scalar for a playbook', () => {
    expect(playbook('hello\n')).toEqual(['f.yml:1:1: expected a list of plays (or a single play as a mapping)']);
  });

  it('gives every property a title and a description, for editors', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.properties && typeof n.properties === 'object') {
        for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          if (typeof v.title !== 'string' || typeof v.description !== 'string') missing.push(`${path}.${k}`);
        }
      }
      for (const [k, v] of Object.entries(n)) walk(v, `${path}.${k}`);
    };
    walk(bundledSchema('playbook'), 'playbook');
    walk(bundledSchema('inventory'), 'inventory');
    expect(missing).toEqual([]);
  });
});

describe('the inventory schema', () => {
  it('accepts hosts with no vars, group vars and nested children', () => {
    expect(
      inventory(
        'all:\n  vars: {user: netops}\n  children:\n    edge:\n      hosts:\n        r1:\n        r2: {port: 2222}\n',
      ),
    ).toEqual([]);
  });

  it('types the connection variables', () => {
    expect(
      inventory('all:\n  hosts:\n    r1: {port: "22", host_key_checking: accept_new, ansible_port: 70000}\n'),
    ).toEqual([
      'f.yml:3:16: port: expected an integer',
      'f.yml:3:41: host_key_checking: expected one of "strict", "accept-new", "off" (did you mean "accept-new"?)',
      'f.yml:3:67: ansible_port: expected a port number from 1 to 65535 (or a template)',
    ]);
  });

  it('suggests the right group key', () => {
    expect(inventory('all:\n  chidlren:\n    edge:\n')).toEqual([
      'f.yml:2:3: unknown key "chidlren" (did you mean "children"?)',
    ]);
  });

  it('refuses a list of hosts', () => {
    expect(inventory('all:\n  hosts: [r1, r2]\n')).toEqual([
      'f.yml:2:10: hosts: expected a mapping of host names (or one host name)',
    ]);
  });
});

describe('didYouMean', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('serail', 'serial')).toBe(1);
    expect(didYouMean('hsots', ['hosts', 'tasks'])).toBe('did you mean "hosts"?');
  });

  it('stays quiet when nothing is close', () => {
    expect(didYouMean('zzz', ['hosts', 'tasks'])).toBeUndefined();
  });
});

describe('the precompiled validators', () => {
  it('were generated from the schemas as they are now (else run: npm run schemas)', async () => {
    const { validatorSource } = await import('../../src/playbook/schema-build.js');
    const generated = readFileSync(new URL('../../src/playbook/schema-validators.ts', import.meta.url), 'utf8');
    expect(generated === validatorSource()).toBe(true);
    expect(usesPrecompiled('playbook')).toBe(true);
    expect(usesPrecompiled('inventory')).toBe(true);
  });

  it.each([
    '- hosts: all\n  serail: [0, "150%"]\n  connect_timeout: soon\n  tasks:\n    - command: x\n      when: {a: 1}\n',
    'hosts: 1\ntasks: [1, {template: {src: a}}, {assert: {that: []}}]\n',
    '[]\n',
  ])('agree with ajv compiling the schema at run time on %j', (text) => {
    const loaded = loadYamlText(text, 'f.yml');
    const fresh = structuredClone(bundledSchema('playbook'));
    expect(schemaDiagnostics(fresh, loaded)).toEqual(schemaDiagnostics(bundledSchema('playbook'), loaded));
    expect(schemaDiagnostics(bundledSchema('playbook'), loaded).length).toBeGreaterThan(0);
  });
});
