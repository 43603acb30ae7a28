import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/engine/results.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../support/io.js';
import { runAnsible, runRunbookInventory } from '../inventory/ansible.js';

/**
 * Plain YAML scalars as Ansible reads them (PyYAML, YAML 1.1), with ansible-playbook and ansible-inventory as
 * the oracle: each form is written in a vars file, in a play's vars and in a YAML inventory, and both tools
 * must print the same value, type and JSON for it.
 */
const FORMS = [
  // Integers: octal with a leading zero, hex, binary, underscores, base 60, signs.
  '010',
  '0644',
  '644',
  '0777',
  '0x1F',
  '0x_1f',
  '+0x10',
  '0b101',
  '-0b1',
  '1_000',
  '1__0',
  '1_',
  '0_7',
  '190:20:30',
  '1:00',
  '-1:30',
  '1:5',
  '+1',
  '-0',
  '0',
  '00',
  '-010',
  '+0644',
  // Not integers: 8 and 9 are not octal digits, 0o is YAML 1.2's, a base-60 digit is below 60.
  '09',
  '08',
  '0o17',
  '1:60',
  '01:02',
  '0:30',
  '_1',
  '0x',
  '1,000',
  // Floats need a dot, and an exponent needs a sign.
  '1e3',
  '1e+3',
  '1.5e+3',
  '1.0e+3',
  '1.0e3',
  '1.0E3',
  '1.5e-03',
  '.5',
  '+.5',
  '5.',
  '0.',
  '1_0.5',
  '1:30.5',
  '3.0',
  '-1.0',
  '-0.0',
  '.inf',
  '-.inf',
  '.Inf',
  '.NaN',
  '.nan',
  '.5e+3',
  '.5e3',
  // Nulls and booleans.
  '~',
  'null',
  'Null',
  'NULL',
  "''",
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'n',
  'tRUE',
  // A date: Ansible keeps a date object, printed as written.
  '2001-12-14',
];
// A date's type is Python's `date` in Ansible and text in runbook; how both print it is compared.
const DATES = new Set(['2001-12-14']);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-yaml-scalars-'));
  const lines = (prefix: string, indent: string) => FORMS.map((f, i) => `${indent}${prefix}${i}: ${f}`).join('\n');
  writeFileSync(join(dir, 'vars.yml'), `${lines('f', '')}\n`);
  const show = (prefix: string) =>
    FORMS.map((f, i) => {
      const v = `${prefix}${i}`;
      return DATES.has(f)
        ? `{{ ${v} }}|{{ ${v} | to_json }}`
        : `{{ ${v} }}|{{ ${v} | type_debug }}|{{ ${v} | to_json }}`;
    }).join('\\n');
  writeFileSync(
    join(dir, 'site.yml'),
    [
      '- hosts: localhost',
      '  gather_facts: no',
      '  vars_files: [vars.yml]',
      '  vars:',
      lines('p', '    '),
      '  tasks:',
      `    - debug: {msg: "${show('f')}"}`,
      `    - debug: {msg: "${show('p')}"}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'inventory.yml'), `all:\n  hosts:\n    h1:\n  vars:\n${lines('i', '    ')}\n`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Each form with what a task printed for it, so a difference names the form. */
function byForm(msg: string): Record<string, string> {
  const out = msg.split('\n');
  return Object.fromEntries(FORMS.map((f, i) => [f, out[i]!]));
}

async function ansible(): Promise<string[]> {
  const r = await runAnsible('ansible-playbook', ['site.yml'], dir, { ANSIBLE_STDOUT_CALLBACK: 'json' });
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as { plays: { tasks: { hosts: { localhost: { msg: string } } }[] }[] };
  // type_debug names the class of Ansible's loaded text, a subclass of str that runbook's text has no need of.
  return report.plays[0]!.tasks.map((t) => t.hosts.localhost.msg.replace(/\|AnsibleUnicode\|/g, '|str|'));
}

async function runbook(): Promise<string[]> {
  const io = memoryIo({ cwd: dir, env: {} });
  const code = await main(['apply', 'site.yml', '--json', '--run-dir', dir], io);
  expect(code, io.stderr()).toBe(0);
  return (JSON.parse(io.stdout()) as RunReport).hosts[0]!.tasks.map((t) => t.stdout);
}

describe('YAML scalars, as Ansible reads them', () => {
  it('in a vars file and a play: the same value, type and JSON as ansible-playbook prints', async () => {
    const [theirs, ours] = await Promise.all([ansible(), runbook()]);
    expect(theirs).toHaveLength(2);
    // Spot checks of the oracle itself, so a change in it is seen here and not only as a difference.
    const vars = byForm(theirs[0]!);
    expect(vars['010']).toBe('8|int|8');
    expect(vars['644']).toBe('644|int|644');
    expect(vars['190:20:30']).toBe('685230|int|685230');
    expect(vars['1e3']).toBe('1e3|str|"1e3"');
    expect(vars['0o17']).toBe('0o17|str|"0o17"');
    expect(vars['09']).toBe('09|str|"09"');
    expect(vars['1.5e+3']).toBe('1500.0|float|1500.0');
    for (const [i, source] of ['vars file', 'play vars'].entries()) {
      expect({ source, ...byForm(ours[i]!) }).toEqual({ source, ...byForm(theirs[i]!) });
    }
  }, 120_000);

  it('in a YAML inventory: the same variables as ansible-inventory --list', async () => {
    const [theirs, ours] = await Promise.all([
      runAnsible('ansible-inventory', ['-i', 'inventory.yml', '--list'], dir),
      runRunbookInventory(['-i', 'inventory.yml', '--list'], dir),
    ]);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.code, ours.stderr).toBe(0);
    // As printed, so 1000 and 1000.0 differ; NaN and Infinity are not JSON, and both print them alike.
    const vars = (out: string) => {
      const h1 = /"h1": \{\n([\s\S]*?)\n {12}\}/.exec(out)?.[1] ?? out;
      return Object.fromEntries(
        h1.split(',\n').map((line) => {
          const [, key, value] = /"i(\d+)": (.*)$/.exec(line.trim()) ?? [line, line, ''];
          return [FORMS[Number(key)] ?? key, value];
        }),
      );
    };
    const ansibleVars = vars(theirs.stdout);
    expect(ansibleVars['0644']).toBe('420');
    expect(ansibleVars['2001-12-14']).toBe('"2001-12-14"');
    expect(vars(ours.stdout)).toEqual(ansibleVars);
  }, 120_000);

  it('refuses a host or group name YAML reads as a number, null or a boolean, as ansible-inventory does', async () => {
    writeFileSync(
      join(dir, 'names.yml'),
      'all:\n  children:\n    010: {hosts: {a: }}\n  hosts:\n    0x10:\n    "010":\n    1e3:\n    ~:\n    yes:\n',
    );
    const [theirs, ours] = await Promise.all([
      runAnsible('ansible-inventory', ['-i', 'names.yml', '--list'], dir, { ANSIBLE_INVENTORY_ENABLED: 'yaml' }),
      runRunbookInventory(['-i', 'names.yml', '--list'], dir),
    ]);
    expect(theirs.stderr.replace(/\s+/g, ' ')).toContain('Invalid group name supplied, expected a string');
    expect(ours.code).toBe(4);
    expect(ours.stderr.split('\n').filter(Boolean)).toEqual([
      `${dir}/names.yml:3:5: group "010" is an integer to YAML, not text, and Ansible refuses it (quote it)`,
      `${dir}/names.yml:5:5: host "0x10" is an integer to YAML, not text, and Ansible refuses it (quote it)`,
      `${dir}/names.yml:8:5: host "~" is null to YAML, not text, and Ansible refuses it (quote it)`,
      `${dir}/names.yml:9:5: host "yes" is a boolean to YAML, not text, and Ansible refuses it (quote it)`,
    ]);
    // Without the group, Ansible stops at the first host it cannot take, naming the number YAML made of it.
    writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    "010":\n    0x10:\n');
    const host = await runAnsible('ansible-inventory', ['-i', 'hosts.yml', '--list'], dir);
    expect(host.stderr.replace(/\s+/g, ' ')).toContain('Host pattern 16 must be a string');
  }, 120_000);
});
