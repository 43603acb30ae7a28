import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConnection, type Connection } from '../../src/inventory/connection.js';
import { inventoryProxyJump, SshConfigLookup } from '../../src/transport/ssh-config-apply.js';
import { resolveSshConfig } from '../../src/transport/ssh-config.js';

let dir: string;
let home: string;
let invDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-sshcfg-apply-'));
  home = join(dir, 'home');
  invDir = join(dir, 'inv');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(invDir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function inventoryConnection(over: Partial<Connection> = {}): Connection {
  return {
    transport: 'ssh',
    host: 'r1',
    port: 22,
    user: 'local',
    knownHosts: join(home, '.ssh/known_hosts'),
    hostKeyChecking: 'strict',
    ...over,
  };
}

function lookup(cliFile?: string): SshConfigLookup {
  return new SshConfigLookup({ home, localUser: 'local', systemFile: null, ...(cliFile ? { cliFile } : {}) });
}

/** The connection the inventory alone gives these variables, as the planner resolves it. */
function fromInventory(vars: Record<string, unknown>): Connection {
  return resolveConnection('r1', vars, { baseDir: invDir, home, user: 'local' }).connection;
}

function apply(l: SshConfigLookup, vars: Record<string, unknown>, connection = fromInventory(vars)) {
  return l.apply({ vars, connection, baseDir: invDir, allowedDirs: [invDir] });
}

describe('inventory, then ssh config, then defaults', () => {
  it('config fills what the inventory left unset and never overrides what it wrote', () => {
    writeFileSync(
      join(home, '.ssh/config'),
      [
        'Host r*',
        '  HostName %h.mgmt',
        '  User netops',
        '  Port 2222',
        '  IdentityFile ~/.ssh/net_%r',
        '  StrictHostKeyChecking accept-new',
        '  UserKnownHostsFile ~/.ssh/kh_net',
        '  ConnectTimeout 7',
        '  ServerAliveInterval 4',
        '  ServerAliveCountMax 2',
        '  HostKeyAlias %h-alias',
        '',
      ].join('\n'),
    );
    const bare = apply(lookup(), {});
    expect(bare.problems).toEqual([]);
    expect(bare.connection).toEqual({
      transport: 'ssh',
      host: 'r1.mgmt',
      port: 2222,
      user: 'netops',
      keyFile: join(home, '.ssh/net_netops'),
      knownHosts: join(home, '.ssh/kh_net'),
      hostKeyChecking: 'accept-new',
      hostKeyAlias: '%h-alias',
      connectTimeoutMs: 7000,
      keepaliveIntervalMs: 4000,
      keepaliveCountMax: 2,
    });

    const written = apply(
      lookup(),
      { ansible_user: 'admin', port: 22, known_hosts: '/inv/kh', host_key_checking: 'strict', key_file: '/inv/key' },
      inventoryConnection({ user: 'admin', knownHosts: '/inv/kh', keyFile: '/inv/key' }),
    );
    expect(written.connection).toMatchObject({
      host: 'r1.mgmt',
      port: 22,
      user: 'admin',
      keyFile: '/inv/key',
      identityFiles: [join(home, '.ssh/net_admin')],
      knownHosts: '/inv/kh',
      hostKeyChecking: 'strict',
    });
  });

  it('the inventory user is what Match user sees, as ssh -l would be', () => {
    writeFileSync(join(home, '.ssh/config'), 'Match user admin\n  Port 830\n');
    expect(apply(lookup(), { user: 'admin' }, inventoryConnection({ user: 'admin' })).connection.port).toBe(830);
    expect(apply(lookup(), {}).connection.port).toBe(22);
  });

  it('looks up the address the inventory gives (ansible_host), as Ansible hands it to ssh', () => {
    writeFileSync(join(home, '.ssh/config'), 'Host 10.1.*\n  User byaddress\n');
    expect(
      apply(lookup(), { ansible_host: '10.1.0.5' }, inventoryConnection({ host: '10.1.0.5' })).connection.user,
    ).toBe('byaddress');
  });

  it('-F replaces ~/.ssh/config', () => {
    writeFileSync(join(home, '.ssh/config'), 'Host *\n  User fromhome\n');
    const f = join(dir, 'other.conf');
    writeFileSync(f, 'Host *\n  Port 2022\n');
    const r = apply(lookup(f), {});
    expect(r.connection).toMatchObject({ user: 'local', port: 2022 });
  });

  it('StrictHostKeyChecking maps to host_key_checking (ask is strict: runbook cannot ask)', () => {
    const conf = join(home, '.ssh/config');
    const cases = { yes: 'strict', ask: 'strict', 'accept-new': 'accept-new', no: 'off', off: 'off' } as const;
    for (const [value, expected] of Object.entries(cases)) {
      writeFileSync(conf, `StrictHostKeyChecking ${value}\n`);
      expect(apply(lookup(), {}).connection.hostKeyChecking).toBe(expected);
    }
  });
});

describe('jump hosts from the config and the inventory', () => {
  it('resolves each hop of a ProxyJump chain with its own config, and follows the first hop own ProxyJump', () => {
    writeFileSync(
      join(home, '.ssh/config'),
      [
        'Host outer',
        '  HostName 10.0.0.1',
        '  User bastion-user',
        'Host bastion1',
        '  HostName 10.0.1.1',
        '  Port 2201',
        '  ProxyJump outer',
        'Host r*',
        '  ProxyJump bastion1,ops@bastion2:2202',
        '',
      ].join('\n'),
    );
    const r = apply(lookup(), {});
    expect(r.problems).toEqual([]);
    expect(r.connection.jump?.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual([
      'bastion-user@10.0.0.1:22',
      'local@10.0.1.1:2201',
      'ops@bastion2:2202',
    ]);
  });

  it('a jump written in the inventory beats the config ProxyJump and ProxyCommand', () => {
    writeFileSync(join(home, '.ssh/config'), 'Host r*\n  ProxyCommand nc %h %p\n');
    const byKey = apply(lookup(), { jump: 'j@site1-bastion:2200' });
    expect(byKey.connection.proxyCommand).toBeUndefined();
    expect(byKey.connection.jump).toEqual([expect.objectContaining({ host: 'site1-bastion', port: 2200, user: 'j' })]);
    const byArgs = apply(lookup(), { ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o ProxyJump="a@b:1,c"' });
    expect(byArgs.connection.jump?.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual(['a@b:1', 'local@c:22']);
    expect(apply(lookup(), { jump: 'none' }).connection.jump).toBeUndefined();
  });

  it('reads ProxyJump out of ssh argument strings the ways Ansible users write it', () => {
    const hosts = (args: string) => {
      const vars = { ansible_ssh_common_args: args };
      return inventoryProxyJump(vars, fromInventory(vars)).hops?.map(
        (h) => `${h.user ?? ''}@${h.host}:${h.port ?? ''}`,
      );
    };
    expect(hosts('-o ProxyJump=bastion')).toEqual(['@bastion:']);
    expect(hosts('-oProxyJump=u@b:22')).toEqual(['u@b:22']);
    expect(hosts(`-o 'ProxyJump b1,b2' -o ForwardAgent=no`)).toEqual(['@b1:', '@b2:']);
    expect(hosts('-J b3')).toEqual(['@b3:']);
    expect(hosts('-o ProxyCommand="ssh -W %h:%p -q ops@bastion4"')).toEqual(['ops@bastion4:']);
    expect(hosts('-o ControlMaster=auto')).toBeUndefined();
  });

  it('a jump host is never handed the device password', () => {
    const r = apply(lookup(), { jump: 'b' }, inventoryConnection({ passwordEnv: 'DEVICE_PW', keyFile: '/k' }));
    expect(r.connection.jump?.[0]).not.toHaveProperty('passwordEnv');
    expect(r.connection.jump?.[0]?.keyFile).toBe('/k');
  });

  it('never hands an inventory host name with shell metacharacters to a ProxyCommand', () => {
    writeFileSync(join(home, '.ssh/config'), 'Host *\n  ProxyCommand nc %h %p\n');
    const r = apply(
      lookup(),
      { ansible_host: 'r1;touch /tmp/owned' },
      inventoryConnection({ host: 'r1;touch /tmp/owned' }),
    );
    expect(r.connection.proxyCommand).toBeUndefined();
    expect(r.problems.map((p) => p.message)).toEqual([
      'ProxyCommand: %h would hand "r1;touch /tmp/owned" to the shell; it holds characters that are not allowed',
    ]);
  });

  it('a ProxyCommand from the operator own config runs with %h and %p expanded', () => {
    writeFileSync(join(home, '.ssh/config'), 'Host r*\n  HostName %h.lab\n  Port 2022\n  ProxyCommand nc -q0 %h %p\n');
    expect(apply(lookup(), {}).connection.proxyCommand).toBe('nc -q0 r1.lab 2022');
  });
});

describe('a config file named by the inventory is hostile input', () => {
  it('refuses ProxyCommand in it, pointing at the line', () => {
    writeFileSync(join(invDir, 'ssh.conf'), '# bastions\nHost *\n  ProxyCommand sh -c "touch /tmp/owned"\n');
    const r = apply(lookup(), { ssh_config_file: 'ssh.conf' });
    expect(r.problems).toEqual([
      {
        message: expect.stringMatching(/^ProxyCommand is refused/),
        at: { file: join(invDir, 'ssh.conf'), line: 3, col: 1 },
      },
    ]);
  });

  it('refuses Match exec in it, without running the command', () => {
    const marker = join(dir, 'ran');
    writeFileSync(join(invDir, 'ssh.conf'), `Match exec "touch ${marker}"\n  User x\n`);
    const r = apply(lookup(), { ssh_config_file: 'ssh.conf' });
    expect(r.problems[0]?.message).toMatch(/Match exec is refused/);
    expect(r.problems[0]?.at).toEqual({ file: join(invDir, 'ssh.conf'), line: 1, col: 1 });
    expect(() =>
      resolveSshConfig(
        join(invDir, 'ssh.conf'),
        { host: 'r1' },
        { home, localUser: 'l', trusted: true, runExec: () => false },
      ),
    ).not.toThrow();
  });

  it('refuses a file outside the inventory and playbook directories, and Includes that leave them', () => {
    writeFileSync(join(home, '.ssh/elsewhere'), 'Host *\n  User stolen\n');
    expect(apply(lookup(), { ssh_config_file: join(home, '.ssh/elsewhere') }).problems[0]?.message).toMatch(
      /outside the inventory/,
    );
    writeFileSync(join(invDir, 'inc.conf'), `Include ${join(home, '.ssh/elsewhere')}\n`);
    expect(apply(lookup(), { ssh_config_file: 'inc.conf' }).problems[0]?.message).toMatch(/includes .* outside/);
  });

  it('-F inside ansible_ssh_common_args names the file as ssh_config_file does, with the same limits', () => {
    writeFileSync(join(invDir, 'ssh.conf'), 'Host r*\n  User viaargs\n');
    const r = apply(lookup(), { ansible_ssh_common_args: `-F ${join(invDir, 'ssh.conf')}` });
    expect(r.connection.user).toBe('viaargs');
    expect(apply(lookup(), { ansible_ssh_common_args: '-F /etc/ssh/ssh_config' }).problems[0]?.message).toMatch(
      /outside/,
    );
  });

  it('uses the values of a file inside the inventory directory', () => {
    writeFileSync(join(invDir, 'ssh.conf'), 'Host r*\n  User fromfile\n  ProxyJump b1\n');
    const r = apply(lookup(), { ssh_config_file: 'ssh.conf' });
    expect(r.problems).toEqual([]);
    expect(r.connection.user).toBe('fromfile');
    expect(r.connection.jump?.[0]?.host).toBe('b1');
  });
});

describe('Match exec in the operator own file', () => {
  it('never hands a host name with shell metacharacters to the shell', () => {
    const ran: string[] = [];
    const f = join(dir, 'c');
    writeFileSync(f, 'Match exec "check %h"\n  User x\n');
    const ctx = { home, localUser: 'l', trusted: true, runExec: (c: string) => (ran.push(c), true) };
    expect(resolveSshConfig(f, { host: 'r1.lab' }, ctx).user).toBe('x');
    expect(() => resolveSshConfig(f, { host: 'r1;reboot' }, ctx)).toThrow(/holds characters that are not allowed/);
    expect(ran).toEqual(['check r1.lab']);
  });

  it('relative Includes are read under ~/.ssh', () => {
    writeFileSync(join(home, '.ssh/site.conf'), 'Host *\n  User included\n');
    writeFileSync(join(home, '.ssh/config'), 'Include site.*\n');
    expect(apply(lookup(), {}).connection.user).toBe('included');
  });
});
