import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isSecretName, REDACTED } from '../../src/playbook/redact.js';
import { runAnsible, runRunbookInventory } from './ansible.js';

/**
 * Differential suite: ansible-inventory (Debian's ansible-core) and `runbook inventory` read the same
 * inventories and must agree on every host, group, child and variable, for --list, --host and --graph.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/inventory/', import.meta.url));

interface Case {
  name: string;
  dir: string;
  /** Everything before --list/--host/--graph, for both tools. */
  args: string[];
  hosts: string[];
  /** A group to draw with `--graph GROUP` besides the whole tree. */
  group?: string;
  env?: NodeJS.ProcessEnv;
}

const CASES: Case[] = [
  {
    name: 'an INI inventory with every feature of the ini plugin',
    dir: 'ini-features',
    args: ['-i', 'hosts'],
    hosts: ['solo', 'both_ways', 'quoted', 'shared', 'db-r1'],
    group: 'dc1',
  },
  {
    name: 'a YAML inventory with ports, ranges, string sections and YAML 1.1 booleans',
    dir: 'yaml-features',
    args: ['-i', 'inventory.yml'],
    hosts: ['r1', 'c1', 'with-port', 'lonely'],
  },
  {
    name: 'INI edge cases: addresses with ports, IPv6, explicit [ungrouped], [all:children], literal lists and dicts',
    dir: 'ini-edge',
    args: ['-i', 'hosts'],
    hosts: ['192.0.2.1', '2001:db8::1', 'e1', 'e2'],
  },
  {
    name: 'YAML edge cases: anchors, merge keys, tags, dates, block scalars',
    dir: 'yaml-edge',
    args: ['-i', 'inv.yaml'],
    hosts: ['w1', 'w2'],
  },
  {
    name: 'YAML without an extension and INI in a .yml file, told apart by content',
    dir: 'mixed-formats',
    args: ['-i', 'hosts', '-i', 'ini.yml'],
    hosts: ['y1', 'i1'],
  },
  {
    name: 'an inventory folder, with the files Ansible skips and its own group_vars',
    dir: 'folder',
    args: ['-i', 'inventory'],
    hosts: ['w1', 's1'],
  },
  {
    name: 'group_vars and host_vars as files, bare names and folders',
    dir: 'vars-tree',
    args: ['-i', 'hosts'],
    hosts: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
  },
  {
    name: 'precedence between inline vars, group depth and priority, inventory and playbook vars folders',
    dir: 'precedence',
    args: ['-i', 'inventory/hosts'],
    hosts: ['target'],
  },
  {
    name: 'two -i sources merged in order, each with its group_vars',
    dir: 'multi',
    args: ['-i', 'a/hosts', '-i', 'b/hosts.yml'],
    hosts: ['w1', 's1'],
  },
  {
    name: 'the same two sources in the other order',
    dir: 'multi',
    args: ['-i', 'b/hosts.yml', '-i', 'a/hosts'],
    hosts: ['w1'],
  },
  { name: 'a host list given as -i', dir: 'multi', args: ['-i', 'alpha,beta:2222,gamma[1:2]'], hosts: ['beta'] },
  {
    name: 'extra vars as key=value, JSON and @file on top of the inventory',
    dir: 'precedence',
    args: [
      '-i',
      'inventory/hosts',
      '-e',
      'p_depth=from-e other="quoted value"',
      '-e',
      '{"json_var": {"n": 1}}',
      '-e',
      '@extra.yml',
    ],
    hosts: ['target'],
  },
];

/**
 * ansible-inventory's answer as runbook must print it: runbook never prints a secret, so the values of
 * variables named as secrets (passwords, tokens, `vault_*`) are redacted; nothing else may differ.
 */
function asRunbookShows(ansibleJson: string, mode: 'list' | 'host'): unknown {
  const hide = (vars: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, isSecretName(k) ? REDACTED : v]));
  const parsed = JSON.parse(ansibleJson) as Record<string, unknown>;
  if (mode === 'host') return hide(parsed);
  const meta = parsed._meta as { hostvars: Record<string, Record<string, unknown>> };
  for (const [host, vars] of Object.entries(meta.hostvars)) meta.hostvars[host] = hide(vars);
  return parsed;
}

/** Both tools on the same arguments, side by side. */
function side(args: string[], dir: string, env?: NodeJS.ProcessEnv) {
  return Promise.all([runAnsible('ansible-inventory', args, dir, env), runRunbookInventory(args, dir, env)]);
}

async function both(c: Case, dir: string, mode: string[]) {
  const args = [...c.args, ...mode];
  const [ansible, runbook] = await side(args, dir, c.env);
  expect(ansible.code, ansible.stderr).toBe(0);
  expect(runbook.code, runbook.stderr).toBe(0);
  return { ansible: ansible.stdout, runbook: runbook.stdout };
}

// Each case waits mostly on Python starting up, so cases run side by side.
describe.concurrent('runbook inventory agrees with ansible-inventory', () => {
  for (const c of CASES) {
    const dir = join(FIXTURES, c.dir);
    test(`${c.name}: --list`, async () => {
      const out = await both(c, dir, ['--list']);
      expect(JSON.parse(out.runbook)).toEqual(asRunbookShows(out.ansible, 'list'));
    });
    test(`${c.name}: --graph and --host`, async () => {
      const [graph, subgraph, ...perHost] = await Promise.all([
        both(c, dir, ['--graph']),
        both(c, dir, ['--graph', c.group ?? 'ungrouped']),
        ...c.hosts.map((host) => both(c, dir, ['--host', host])),
      ]);
      expect(graph!.runbook.trimEnd()).toBe(graph!.ansible.trimEnd());
      expect(subgraph!.runbook.trimEnd()).toBe(subgraph!.ansible.trimEnd());
      c.hosts.forEach((host, i) => {
        expect(JSON.parse(perHost[i]!.runbook), host).toEqual(asRunbookShows(perHost[i]!.ansible, 'host'));
      });
    });
  }
});

/** Ansible Vault files and values made by the real ansible-vault, in a fresh folder per run. */
describe('vault-encrypted files and values, made by ansible-vault', () => {
  let dir: string;
  const secrets = ['s3cr3t-db-password', 'visible-only-decrypted', 'prod-db-user'];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runbook-vault-'));
    cpSync(join(FIXTURES, 'vault'), dir, { recursive: true });
    writeFileSync(join(dir, 'pw-default'), 'correct horse battery\n');
    writeFileSync(join(dir, 'pw-prod'), 'prod-password\n');
    writeFileSync(join(dir, 'pw-wrong'), 'not the password\n');
    mkdirSync(join(dir, 'group_vars', 'all'), { recursive: true });
    mkdirSync(join(dir, 'host_vars'));
    const vaultFile = `vault_db_password: ${secrets[0]}\nplain_in_vault: ${secrets[1]}\n`;
    writeFileSync(join(dir, 'group_vars', 'all', 'vault.yml'), vaultFile);
    writeFileSync(join(dir, 'group_vars', 'db.yml'), `db_user: ${secrets[2]}\n`);
    const vault = (args: string[]) => runAnsible('ansible-vault', args, dir);
    const results = await Promise.all([
      vault(['encrypt', '--vault-password-file', 'pw-default', 'group_vars/all/vault.yml']),
      vault(['encrypt', '--vault-id', 'prod@pw-prod', 'group_vars/db.yml']),
      vault(['encrypt_string', '--vault-password-file', 'pw-default', 'inline-one', '--name', 'inline_11']),
      vault(['encrypt_string', '--vault-id', 'prod@pw-prod', 'inline-two', '--name', 'inline_12']),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const inline = results.slice(2).map((r) => r.stdout.trimEnd());
    writeFileSync(join(dir, 'host_vars', 'd1.yml'), `plain: 1\n${inline.join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const redacted = (ansibleJson: string, mode: 'list' | 'host'): unknown => {
    let text = ansibleJson;
    for (const s of secrets) text = text.split(s).join(REDACTED);
    return asRunbookShows(text, mode);
  };

  test('--list with --vault-password-file and --vault-id: equal, with decrypted file values redacted', async () => {
    const args = ['-i', 'hosts', '--vault-password-file', 'pw-default', '--vault-id', 'prod@pw-prod', '--list'];
    const [ansible, runbook] = await side(args, dir);
    expect(ansible.code, ansible.stderr).toBe(0);
    expect(runbook.code, runbook.stderr).toBe(0);
    for (const s of secrets) expect(ansible.stdout).toContain(s);
    for (const s of secrets) expect(runbook.stdout).not.toContain(s);
    expect(JSON.parse(runbook.stdout)).toEqual(redacted(ansible.stdout, 'list'));
  });

  test('ANSIBLE_VAULT_PASSWORD_FILE stands for --vault-password-file', async () => {
    const env = { ANSIBLE_VAULT_PASSWORD_FILE: join(dir, 'pw-default') };
    const args = ['-i', 'hosts', '--vault-id', 'prod@pw-prod', '--host', 'd1'];
    const [ansible, runbook] = await side(args, dir, env);
    expect(ansible.code, ansible.stderr).toBe(0);
    expect(runbook.code, runbook.stderr).toBe(0);
    expect(JSON.parse(runbook.stdout)).toEqual(redacted(ansible.stdout, 'host'));
  });

  test('a wrong password is an error naming the file, as in Ansible', async () => {
    const args = ['-i', 'hosts', '--vault-password-file', 'pw-wrong', '--list'];
    const [ansible, runbook] = await side(args, dir);
    expect(ansible.code).not.toBe(0);
    expect(runbook.code).toBe(4);
    expect(runbook.stderr).toMatch(
      /group_vars\/all\/vault\.yml:1:1: cannot decrypt .*no vault password given decrypts/,
    );
    expect(runbook.stderr).not.toMatch(/at \w+ \(/);
  });
});
