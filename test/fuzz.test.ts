import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { memoryIo } from './support/io.js';

/**
 * Hostile input by the thousand: YAML of every shape as playbooks and inventories, and command lines of
 * every shape. Whatever comes in, runbook answers with an exit code it documents and located one-line
 * messages, never an internal error. (Template member chains and journal lines have their own fuzz tests
 * beside the sandbox and the journal.)
 */

let dir: string;
const VALID_PLAY =
  '- hosts: all\n  inventory: inv.yml\n  connect_timeout: 1s\n  tasks:\n    - command: echo {{ inventory_hostname }}\n';
// Port 1 on loopback refuses at once: an `apply` the fuzzer assembles ends quickly and touches nothing.
const VALID_INV = 'all:\n  hosts:\n    r1: { host: 127.0.0.1, port: 1, known_hosts: known_hosts }\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-fuzz-'));
  writeFileSync(join(dir, 'site.yml'), VALID_PLAY);
  writeFileSync(join(dir, 'inv.yml'), VALID_INV);
  writeFileSync(join(dir, 'known_hosts'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DOCUMENTED = [0, 2, 3, 4, 5];
const LOCATED = /^[^\n]+:\d+:\d+: [^\n]+$/;

async function run(argv: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function expectAnswered(r: { code: number; stdout: string; stderr: string }, what: string): void {
  expect(DOCUMENTED, `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toContain('internal error');
  expect(r.stderr + r.stdout, what).not.toMatch(/\n\s+at [^\n]+:\d+:\d+\)?\n/);
}

/** YAML text of arbitrary shape: values from fast-check, playbook-like keys, anchors, merges, odd scalars. */
const scalarArb = fc.oneof(
  fc.string(),
  fc.constantFrom('0x10', '1e3', 'null', '~', 'yes', '<<', '*a', '&a x', '!!str', '{{ x }}', '{% for %}', '"', "'"),
  fc.constantFrom('\t', ':'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const keyArb = fc.oneof(
  fc.constantFrom(
    'hosts',
    'tasks',
    'vars',
    'command',
    'template',
    'src',
    'dest',
    'when',
    'register',
    'serial',
    'forks',
    'all',
    'children',
    'inventory',
    'timeout',
    'connect_timeout',
    'breaker',
    'assert',
    'that',
    '<<',
    'name',
  ),
  fc.string({ maxLength: 8 }),
);
const { value: valueArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keyArb, tie('value'), { maxKeys: 5 }),
  ),
}));
const yamlArb = fc.oneof(
  valueArb.map((v) => stringify(v)),
  fc
    .tuple(valueArb, fc.nat(), fc.constantFrom('&a ', '*a', '<<: *a\n', '\t', '- ', ': ', '[', '{', '\u0000', '\n  '))
    .map(([v, at, junk]) => {
      const text = stringify(v);
      const i = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, i) + junk + text.slice(i);
    }),
  fc.string(),
);

describe('fuzz: YAML of any shape', () => {
  it('as a playbook or an inventory, gets exit 0/4 and located one-line diagnostics', async () => {
    await fc.assert(
      fc.asyncProperty(yamlArb, fc.boolean(), async (text, asInventory) => {
        const file = asInventory ? 'fuzz-inv.yml' : 'fuzz-site.yml';
        writeFileSync(join(dir, file), text);
        const argv = asInventory ? ['validate', '-i', file, 'site.yml'] : ['validate', file];
        const r = await run(argv);
        expectAnswered(r, text);
        expect([0, 4], text).toContain(r.code);
        // validate ends its located lines with the problem count, on the same stream.
        const located = r.stdout.split('\n').filter((l) => l !== '' && !/^\d+ problems? in \d+ files?$/.test(l));
        if (r.code === 4) for (const line of located) expect(line, text).toMatch(LOCATED);
      }),
      { numRuns: 250 },
    );
  });
});

describe('fuzz: command lines of any shape', () => {
  it('get a documented exit code and never an internal error', async () => {
    const word = fc.oneof(
      fc.constantFrom('validate', 'plan', 'apply', 'report', 'inventory', 'help', '--help', '-h', '--version'),
      fc.constantFrom(
        'site.yml',
        'inv.yml',
        'missing.yml',
        '-i',
        '--limit',
        '--limit=',
        '',
        ' ',
        '--check',
        '--diff',
        '--forks',
        '0',
        '-1',
        '99999999999999999999',
        '--json',
        '--resume',
        '--resume=',
        '20261126-184812-3f9a',
        '--run-dir',
        '.',
        '/dev/null',
        '--report-file',
        '--junit',
        '--format',
        'xml',
        'json',
        '--list',
        '--host',
        '--graph',
        '-e',
        'x=1',
        '@missing',
        '--',
        '-',
        '--verbose',
        '-v',
        '--tags',
        '--unknown',
        '\u0000',
        '../..',
      ),
      fc.string({ maxLength: 6 }),
    );
    const argv = fc
      .tuple(
        fc.constantFrom('validate', 'plan', 'apply', 'report', 'inventory', 'help', '--help', '--version', 'bogus'),
        fc.array(word, { maxLength: 7 }),
      )
      .map(([command, rest]) => [command, ...rest]);
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        expectAnswered(await run(args), JSON.stringify(args));
      }),
      { numRuns: 150 },
    );
  });
});
