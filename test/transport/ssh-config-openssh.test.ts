import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSshConfig, type SshHostConfig } from '../../src/transport/ssh-config.js';

/**
 * OpenSSH is the oracle: for each configuration, `ssh -G -F FILE HOST` prints the values ssh would use,
 * and runbook's reading of the same file must give the same ones. ssh takes `~` and `%d` from the
 * password database, so runbook is given the same home here.
 */
const account = userInfo();
const dir = mkdtempSync(join(tmpdir(), 'runbook-sshconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = [
  'hostname',
  'user',
  'port',
  'identityfile',
  'identitiesonly',
  'identityagent',
  'proxyjump',
  'proxycommand',
  'userknownhostsfile',
  'stricthostkeychecking',
  'connecttimeout',
  'serveraliveinterval',
  'serveralivecountmax',
  'hostkeyalias',
] as const;
type Field = (typeof FIELDS)[number];

function openssh(file: string, target: string): Partial<Record<Field, string>> {
  const out = execFileSync('ssh', ['-G', '-F', file, target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const values: Partial<Record<Field, string>> = {};
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space).toLowerCase() as Field;
    if (!FIELDS.includes(key)) continue;
    const value = line.slice(space + 1);
    // identityfile is printed once per file.
    values[key] = key === 'identityfile' && values[key] !== undefined ? `${values[key]}\n${value}` : value;
  }
  return values;
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];

/** runbook's result printed the way `ssh -G` prints it, OpenSSH's defaults filled in. */
function asOpenssh(c: SshHostConfig, host: string): Partial<Record<Field, string>> {
  const strict = { yes: 'true', no: 'false', off: 'false', ask: 'ask', 'accept-new': 'accept-new' } as const;
  const out: Partial<Record<Field, string>> = {
    hostname: c.hostName ?? host.toLowerCase(),
    user: c.user ?? account.username,
    port: String(c.port ?? 22),
    identityfile: (c.identityFiles.length > 0 ? c.identityFiles : DEFAULT_IDENTITIES.map((k) => `~/.ssh/${k}`)).join(
      '\n',
    ),
    identitiesonly: c.identitiesOnly ? 'yes' : 'no',
    userknownhostsfile: (
      c.userKnownHostsFiles ?? [join(account.homedir, '.ssh/known_hosts'), join(account.homedir, '.ssh/known_hosts2')]
    ).join(' '),
    stricthostkeychecking: strict[c.strictHostKeyChecking ?? 'ask'],
    connecttimeout: c.connectTimeoutSeconds ? String(c.connectTimeoutSeconds) : 'none',
    serveraliveinterval: String(c.serverAliveInterval ?? 0),
    serveralivecountmax: String(c.serverAliveCountMax ?? 3),
  };
  if (c.identityAgent !== undefined) out.identityagent = c.identityAgent;
  if (c.proxyJump !== undefined && c.proxyJump.length > 0) out.proxyjump = c.proxyJumpRaw!;
  if (c.proxyCommand !== undefined) out.proxycommand = c.proxyCommand;
  if (c.hostKeyAlias !== undefined) out.hostkeyalias = c.hostKeyAlias;
  return out;
}

let fileCount = 0;
function configFile(text: string, extra: Record<string, string> = {}): string {
  const base = join(dir, `case-${++fileCount}`);
  for (const [name, body] of Object.entries(extra)) writeFileSync(join(dir, name), body.replaceAll('@DIR@', dir));
  writeFileSync(base, text.replaceAll('@DIR@', dir));
  return base;
}

function runbook(file: string, target: string): Partial<Record<Field, string>> {
  const at = target.lastIndexOf('@');
  const host = at >= 0 ? target.slice(at + 1) : target;
  const query = at >= 0 ? { host, user: target.slice(0, at) } : { host };
  const resolved = resolveSshConfig(file, query, { home: account.homedir, localUser: account.username, trusted: true });
  return asOpenssh(resolved, host);
}

interface Case {
  name: string;
  config: string;
  targets: string[];
  extra?: Record<string, string>;
}

const CASES: Case[] = [
  {
    name: 'first obtained value wins, across Host blocks',
    config: 'Host web*\n  User first\n  Port 2200\nHost *\n  User second\n  Port 2300\n  HostName %h.example.net\n',
    targets: ['web1', 'db1'],
  },
  {
    name: 'negated patterns veto a block, wildcards and ? match',
    config: 'Host r?? !r13\n  User edge\nHost *.lab *\n  User other\n',
    targets: ['r12', 'r13', 'r123', 'x.lab'],
  },
  {
    name: 'Host patterns are case-sensitive against the name as given',
    config: 'Host xyz\n  User lower\nHost XYZ\n  User upper\n',
    targets: ['Xyz', 'xyz', 'XYZ'],
  },
  {
    name: 'HostName with %h and %%, lowercase default',
    config: 'Host a*\n  HostName %h.mgmt.%%\n',
    targets: ['Alpha', 'b'],
  },
  {
    name: 'Match host sees HostName, originalhost the name given, user the remote user',
    config: [
      'Host sw*',
      '  HostName %h.site1',
      'Match host *.site1 user netops',
      '  Port 830',
      'Match originalhost sw1',
      '  ConnectTimeout 7',
      'Match !user netops',
      '  IdentitiesOnly yes',
      'Host *',
      '  User admin',
      '',
    ].join('\n'),
    targets: ['sw1', 'netops@sw1', 'netops@sw2', 'other'],
  },
  {
    name: 'Match with a pattern list and negation inside it',
    config: 'Match host r*,!r9\n  User listed\n',
    targets: ['r1', 'r9', 'x'],
  },
  {
    name: 'Match all and Match final re-read with the resolved name',
    config: 'Host real\n  User viafinal\nMatch final\nHost *\n  HostName real\nMatch all\n  Port 2022\n',
    targets: ['alias'],
  },
  {
    name: 'Match exec runs the command with tokens',
    config: 'Match exec "test %h = yes"\n  User exec-yes\nMatch !exec "false"\n  Port 2999\n',
    targets: ['yes', 'no'],
  },
  {
    name: 'Include with globs, conditional inside a Host block, depth restores the block',
    config: 'Host inc*\n  Include @DIR@/inc-*.conf\n  Port 2100\nHost *\n  User fallthrough\n',
    extra: {
      'inc-a.conf': 'User from-a\nHost other\n  HostKeyAlias never\n',
      'inc-b.conf': 'ConnectTimeout 4\n',
    },
    targets: ['inc1', 'plain'],
  },
  {
    name: 'IdentityFile accumulates, with ~ and tokens left as written',
    config: 'Host *\n  IdentityFile ~/.ssh/%r@%h\n  IdentityFile %d/keys/%u\n  IdentityFile /etc/keys/"with space"\n',
    targets: ['k1', 'ops@k2'],
  },
  {
    name: 'IdentityAgent, UserKnownHostsFile expansion, StrictHostKeyChecking variants',
    config: [
      'Host a',
      '  IdentityAgent ~/agent.%h.sock',
      '  UserKnownHostsFile ~/kh/%h %d/kh2',
      '  StrictHostKeyChecking accept-new',
      'Host b',
      '  IdentityAgent none',
      '  StrictHostKeyChecking no',
      'Host c',
      '  IdentityAgent SSH_AUTH_SOCK',
      '  StrictHostKeyChecking yes',
      'Host d',
      '  StrictHostKeyChecking off',
      '',
    ].join('\n'),
    targets: ['a', 'b', 'c', 'd'],
  },
  {
    name: 'ProxyJump chains and none; ProxyJump and ProxyCommand, first obtained wins',
    config: [
      'Host direct',
      '  ProxyJump none',
      'Host cmd*',
      '  ProxyCommand nc %h %p',
      'Host chain cmd2',
      '  ProxyJump ops@bastion1:2222,ssh://bastion2,[::1]:22',
      'Host none-cmd',
      '  ProxyCommand none',
      'Host *',
      '  ProxyJump bastion0',
      '',
    ].join('\n'),
    targets: ['direct', 'cmd1', 'cmd2', 'chain', 'none-cmd', 'other'],
  },
  {
    name: 'times in OpenSSH format, ServerAlive settings, HostKeyAlias, keyword=value form',
    config:
      'Host *\n  ConnectTimeout=1m30s\n  ServerAliveInterval = 15\n  ServerAliveCountMax 5\n  HostKeyAlias %h-key\n',
    targets: ['t'],
  },
  {
    name: 'keywords are case-insensitive, comments and blank lines ignored',
    config: '# top\n\nHOST cased\n  hostNAME  10.0.0.1   # trailing\n  PORT 2201\n',
    targets: ['cased'],
  },
  {
    name: 'IgnoreUnknown lets an unknown keyword pass',
    config: 'IgnoreUnknown UseMyThing,Other*\nUseMyThing yes\nOtherKnob 1\nHost *\n  User ignored-ok\n',
    targets: ['any'],
  },
];

describe('ssh_config read as OpenSSH reads it (ssh -G is the oracle)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const file = configFile(c.config, c.extra);
      for (const target of c.targets) {
        expect({ target, ...runbook(file, target) }).toEqual({ target, ...openssh(file, target) });
      }
    });
  }

  it('rejects an unknown keyword where ssh does, at its line', () => {
    const file = configFile('Host *\n  Hostnme typo\n');
    expect(() => openssh(file, 'x')).toThrow();
    expect(() => runbook(file, 'x')).toThrow(/unknown ssh_config keyword "Hostnme"/);
  });

  it('rejects a bad port even in a block that does not apply, as ssh does', () => {
    const file = configFile('Host never\n  Port notaport\n');
    expect(() => openssh(file, 'x')).toThrow();
    expect(() => runbook(file, 'x')).toThrow(/Port: "notaport" is not a port number/);
  });
});
