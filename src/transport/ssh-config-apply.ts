import { readdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readAnsibleConnection, type AnsibleConnectionParams } from '../inventory/ansible-connection.js';
import type { Connection } from '../inventory/connection.js';
import {
  expandIdentityFile,
  expandProxyCommand,
  parseProxyJump,
  readOrNull,
  resolveSshConfigFiles,
  SshConfigError,
  type JumpHop,
  type SshConfigContext,
  type SshConfigLine,
  type SshHostConfig,
} from './ssh-config.js';

/**
 * Puts a host's inventory connection and its OpenSSH client configuration together, with one rule:
 * values written in the inventory or the play win, then the ssh config, then runbook's defaults. This is
 * what Ansible does, since it hands its own values to ssh as command-line options, which ssh ranks above
 * its config files. The name looked up is the host's address (`ansible_host` or the inventory name), as
 * Ansible passes it to ssh, so a `HostName` in the config still rewrites it.
 *
 * Which files are read:
 * - `-F FILE` on the command line: that file only (as `ssh -F`), trusted.
 * - otherwise `ssh_config_file` from the host's variables (inventory or play `vars`): that file only. It is
 *   hostile input like the inventory naming it: it must lie inside the inventory's or playbook's directory,
 *   and it may not run anything here (no `ProxyCommand`, no `Match exec`).
 * - otherwise `~/.ssh/config` then `/etc/ssh/ssh_config`, as ssh reads them, trusted: they are the
 *   operator's own files, so `ProxyCommand` and `Match exec` run as they would for `ssh HOST`.
 */
export interface SshConfigSources {
  /** `-F FILE`, already resolved against the working directory. */
  cliFile?: string;
  home: string;
  localUser: string;
  /** The system-wide file; null to skip it (tests). */
  systemFile?: string | null;
}

export interface SshConfigProblem {
  message: string;
  /** Where in a config file, when the problem is there. */
  at?: { file: string; line: number; col: number };
}

interface HostFacts {
  /** The host's variables (inventory, play vars). */
  vars: Record<string, unknown>;
  /** The connection the inventory alone gives. */
  connection: Connection;
  /** The inventory file's directory: `ssh_config_file` is read relative to it. */
  baseDir: string;
  /** Directories a hostile `ssh_config_file` may be read from (the inventory's, the playbook's). */
  allowedDirs: string[];
}

/** Jump chains deeper than this are a loop in the config (a bastion that names itself, indirectly). */
const MAX_JUMP_DEPTH = 8;

export class SshConfigLookup {
  /** Parsed files, shared by every host of the run. */
  private readonly cache = new Map<string, SshConfigLine[] | null>();

  /** Directory listings for Include globs, read once per run (the system file includes ssh_config.d/*). */
  private readonly dirs = new Map<string, string[]>();

  constructor(private readonly sources: SshConfigSources) {}

  private listDir(dir: string): string[] {
    let names = this.dirs.get(dir);
    if (names === undefined) {
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      this.dirs.set(dir, names);
    }
    return names;
  }

  apply(facts: HostFacts): { connection: Connection; problems: SshConfigProblem[] } {
    const problems: SshConfigProblem[] = [];
    try {
      return { connection: this.resolve(facts, problems), problems };
    } catch (err) {
      if (err instanceof SshConfigError) {
        problems.push({
          message: err.message,
          ...(err.line > 0 ? { at: { file: err.file, line: err.line, col: err.col } } : {}),
        });
      } else {
        problems.push({ message: (err as Error).message });
      }
      return { connection: facts.connection, problems };
    }
  }

  private resolve(facts: HostFacts, problems: SshConfigProblem[]): Connection {
    const { vars, connection } = facts;
    const files = this.filesFor(facts, problems);
    // ssh arguments in the inventory are command-line options to ssh: they rank above its config too.
    const args = sshArgs(vars);
    const explicit = {
      user: defined(vars, 'user', 'ansible_user', 'ansible_ssh_user') || args.user !== undefined,
      port: defined(vars, 'port', 'ansible_port', 'ansible_ssh_port') || args.port !== undefined,
      knownHosts: defined(vars, 'known_hosts') || args.known_hosts !== undefined,
      hostKeyChecking: defined(vars, 'host_key_checking') || args.strict_host_key_checking !== undefined,
    };
    const inventoryJump = inventoryProxyJump(vars, connection);
    if (inventoryJump.problem) problems.push({ message: inventoryJump.problem });
    if (files === null) {
      return inventoryJump.hops
        ? { ...connection, jump: this.chain(inventoryJump.hops, connection, null, 0) }
        : connection;
    }
    const query = {
      host: connection.host,
      ...(explicit.user ? { user: connection.user } : {}),
      ...(explicit.port ? { port: connection.port } : {}),
    };
    const cfg = resolveSshConfigFiles(files.list, query, files.ctx);
    const out = this.merge(connection, cfg, explicit, query.host, files.ctx.trusted);

    // A jump written in the inventory is a command-line option to ssh: it beats the config's ProxyJump
    // and ProxyCommand alike.
    const hops = inventoryJump.hops ?? cfg.proxyJump;
    if (hops && hops.length > 0) {
      out.jump = this.chain(hops, out, files, 0);
      delete out.proxyCommand;
    } else if (inventoryJump.hops) {
      delete out.proxyCommand;
    }
    return out;
  }

  /** Connection values from the config, except where the inventory or play wrote its own. */
  private merge(
    connection: Connection,
    cfg: SshHostConfig,
    explicit: { user: boolean; port: boolean; knownHosts: boolean; hostKeyChecking: boolean },
    lookedUp: string,
    trusted: boolean,
  ): Connection {
    const out: Connection = { ...connection };
    if (cfg.hostName !== undefined) out.host = cfg.hostName;
    if (!explicit.user && cfg.user !== undefined) out.user = cfg.user;
    if (!explicit.port && cfg.port !== undefined) out.port = cfg.port;
    const target = { host: out.host, user: out.user, originalHost: lookedUp, port: out.port };
    if (cfg.identityFiles.length > 0) {
      const files = cfg.identityFiles.map((f) => expandIdentityFile(f, this.sources, target));
      if (out.keyFile === undefined) {
        out.keyFile = files[0]!;
        if (files.length > 1) out.identityFiles = files.slice(1);
      } else {
        out.identityFiles = files;
      }
    }
    if (cfg.identitiesOnly !== undefined) out.identitiesOnly = cfg.identitiesOnly;
    if (cfg.identityAgent !== undefined) out.agentSocket = cfg.identityAgent;
    if (cfg.hostKeyAlias !== undefined) out.hostKeyAlias = cfg.hostKeyAlias;
    if (!explicit.knownHosts && cfg.userKnownHostsFiles?.[0] !== undefined) out.knownHosts = cfg.userKnownHostsFiles[0];
    if (!explicit.hostKeyChecking && cfg.strictHostKeyChecking !== undefined) {
      // runbook cannot ask: `ask` is as strict as `yes`.
      const map = { yes: 'strict', ask: 'strict', 'accept-new': 'accept-new', no: 'off', off: 'off' } as const;
      out.hostKeyChecking = map[cfg.strictHostKeyChecking];
    }
    if (cfg.connectTimeoutSeconds) out.connectTimeoutMs = cfg.connectTimeoutSeconds * 1000;
    if (cfg.serverAliveInterval) out.keepaliveIntervalMs = cfg.serverAliveInterval * 1000;
    if (cfg.serverAliveCountMax !== undefined) out.keepaliveCountMax = cfg.serverAliveCountMax;
    if (cfg.proxyCommand !== undefined) {
      if (!trusted) {
        const at = cfg.proxyCommandOrigin;
        throw new SshConfigError(
          at?.file ?? '',
          at?.line ?? 0,
          1,
          'ProxyCommand is refused in a config file named by a playbook or inventory ' +
            '(it would run a command on this machine); pass the file with -F instead',
        );
      }
      out.proxyCommand = expandProxyCommand(cfg.proxyCommand, {
        host: out.host,
        port: out.port,
        user: out.user,
        originalHost: lookedUp,
      });
    }
    return out;
  }

  /**
   * The jump hosts of a chain as connections, outermost first. Each hop is looked up in the same config
   * (its own User, Port, IdentityFile, known hosts); the first hop's own ProxyJump is followed, as
   * `ssh -J a,b` reaches `a` with a's config. Where a hop's config says nothing, the device's key file,
   * known_hosts and host-key policy are used (the device's password is never sent to a jump host).
   */
  private chain(
    hops: JumpHop[],
    device: Connection,
    files: { list: { path: string; required: boolean; includeBase?: string }[]; ctx: SshConfigContext } | null,
    depth: number,
  ): Connection[] {
    if (depth >= MAX_JUMP_DEPTH)
      throw new Error(`ProxyJump chain deeper than ${MAX_JUMP_DEPTH} hops (a loop in the ssh config?)`);
    const out: Connection[] = [];
    hops.forEach((hop, i) => {
      const base: Connection = {
        // A jump host is always reached over SSH, whatever the device behind it speaks.
        transport: 'ssh',
        host: hop.host,
        port: hop.port ?? 22,
        user: hop.user ?? this.sources.localUser,
        knownHosts: device.knownHosts,
        hostKeyChecking: device.hostKeyChecking,
        ...(device.keyFile !== undefined ? { keyFile: device.keyFile } : {}),
        ...(device.passphraseEnv !== undefined ? { passphraseEnv: device.passphraseEnv } : {}),
      };
      if (files === null) {
        out.push(base);
        return;
      }
      const query = {
        host: hop.host,
        ...(hop.user !== undefined ? { user: hop.user } : {}),
        ...(hop.port !== undefined ? { port: hop.port } : {}),
      };
      const cfg = resolveSshConfigFiles(files.list, query, files.ctx);
      const explicit = {
        user: hop.user !== undefined,
        port: hop.port !== undefined,
        knownHosts: false,
        hostKeyChecking: false,
      };
      const hopConn = this.merge(
        { ...base, ...(cfg.identityFiles.length > 0 ? { keyFile: undefined } : {}) },
        cfg,
        explicit,
        hop.host,
        files.ctx.trusted,
      );
      if (hopConn.keyFile === undefined) delete hopConn.keyFile;
      if (i === 0 && cfg.proxyJump && cfg.proxyJump.length > 0) {
        out.push(...this.chain(cfg.proxyJump, hopConn, files, depth + 1));
        delete hopConn.proxyCommand;
      } else if (i > 0) {
        // Later hops are reached through the earlier ones, whatever their own config says.
        delete hopConn.proxyCommand;
      }
      delete hopConn.jump;
      out.push(hopConn);
    });
    return out;
  }

  private filesFor(
    facts: HostFacts,
    problems: SshConfigProblem[],
  ): { list: { path: string; required: boolean; includeBase?: string }[]; ctx: SshConfigContext } | null {
    const base = {
      home: this.sources.home,
      localUser: this.sources.localUser,
      cache: this.cache,
      listDir: (dir: string) => this.listDir(dir),
    };
    if (this.sources.cliFile !== undefined) {
      return { list: [{ path: this.sources.cliFile, required: true }], ctx: { ...base, trusted: true } };
    }
    // `-F FILE` inside ansible_ssh_common_args names a config file just as ssh_config_file does.
    const named = facts.vars.ssh_config_file ?? facts.connection.sshConfig;
    if (named !== undefined && named !== null) {
      if (typeof named !== 'string' || named === '') {
        problems.push({ message: 'connection variable "ssh_config_file" must be a non-empty string' });
        return null;
      }
      const expanded = named.startsWith('~/') ? join(this.sources.home, named.slice(2)) : named;
      const path = isAbsolute(expanded) ? expanded : resolve(facts.baseDir, expanded);
      const allowed = facts.allowedDirs;
      const jailed = (p: string): boolean => allowed.some((dir) => inside(dir, p));
      if (!jailed(path)) {
        problems.push({
          message:
            `ssh_config_file ${named} is outside the inventory's and playbook's directories; ` +
            "pass the operator's own file with -F instead",
        });
        return null;
      }
      const readFile = (p: string): string | null => {
        if (!jailed(p))
          throw new SshConfigError(
            path,
            0,
            0,
            `ssh_config_file ${named} includes ${p}, outside the inventory's and playbook's directories`,
          );
        return readOrNull(p);
      };
      return { list: [{ path, required: true }], ctx: { ...base, trusted: false, readFile } };
    }
    const list: { path: string; required: boolean; includeBase?: string }[] = [
      { path: join(this.sources.home, '.ssh', 'config'), required: false },
    ];
    const system = this.sources.systemFile === undefined ? '/etc/ssh/ssh_config' : this.sources.systemFile;
    if (system !== null) list.push({ path: system, required: false, includeBase: '/etc/ssh' });
    return { list, ctx: { ...base, trusted: true } };
  }
}

/** Whether `path` (symlinks resolved where they exist) lies inside `dir`. */
function inside(dir: string, path: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const rel = relative(real(dir), real(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function defined(vars: Record<string, unknown>, ...names: string[]): boolean {
  return names.some((n) => vars[n] !== undefined && vars[n] !== null);
}

/**
 * A jump written in the inventory: runbook's `jump` (ProxyJump syntax), or what Ansible would hand ssh in
 * `ansible_ssh_common_args`/`ansible_ssh_extra_args` (`-o ProxyJump=…`, `-J …`, or the classic
 * `-o ProxyCommand="ssh -W %h:%p bastion"`), as the inventory read them into the connection.
 */
export function inventoryProxyJump(
  vars: Record<string, unknown>,
  connection: Pick<Connection, 'proxyJump'>,
): { hops?: JumpHop[]; problem?: string } {
  const v = vars.jump;
  if (v !== undefined && v !== null) {
    if (typeof v !== 'string' || v.trim() === '')
      return { problem: 'connection variable "jump" must be a non-empty string' };
    return parseJumpValue(v.trim(), 'jump');
  }
  return connection.proxyJump === undefined ? {} : parseJumpValue(connection.proxyJump, 'ansible_ssh_common_args');
}

/** The inventory's ssh arguments as named values (only read when there are any). */
function sshArgs(vars: Record<string, unknown>): AnsibleConnectionParams {
  if (vars.ansible_ssh_common_args === undefined && vars.ansible_ssh_extra_args === undefined) return {};
  return readAnsibleConnection(vars).params;
}

function parseJumpValue(value: string, key: string): { hops?: JumpHop[]; problem?: string } {
  try {
    const hops = parseProxyJump(value, (message) => {
      throw new Error(message);
    });
    return { hops: hops === 'none' ? [] : hops };
  } catch (err) {
    return { problem: `${key}: ${(err as Error).message}` };
  }
}
