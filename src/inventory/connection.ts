import { userInfo, homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readAnsibleConnection } from './ansible-connection.js';
import { resolveNetworkConnection, type NetworkConnection } from './network.js';
import type { Inventory } from './types.js';

/** How to reach one host: the inventory's connection variables, resolved (aliases applied, `~` expanded). */
export interface Connection {
  /**
   * The transport that reaches the host, by its name in the transport registry: `connection` or Ansible's
   * `ansible_connection`; default `ssh`.
   */
  transport: string;
  host: string;
  port: number;
  user: string;
  keyFile?: string;
  /** Name of the environment variable holding the key's passphrase. */
  passphraseEnv?: string;
  /** Name of the environment variable holding the password. The value itself never enters the plan. */
  passwordEnv?: string;
  knownHosts: string;
  hostKeyChecking: 'strict' | 'accept-new' | 'off';
  /**
   * `ssh_legacy_algorithms: true`: also offer the SHA-1 era algorithms old network devices still need
   * (ssh-rsa host key signatures, hmac-sha1, SHA-1 key exchanges, CBC ciphers). Off by default.
   */
  legacyAlgorithms?: boolean;
  /** Further keys to try after `keyFile` (ssh_config IdentityFile); missing files are skipped as ssh does. */
  identityFiles?: string[];
  /** Offer only the key files, not the agent's other keys (ssh_config IdentitiesOnly). */
  identitiesOnly?: boolean;
  /** Agent socket to use, or `none` (ssh_config IdentityAgent). */
  agentSocket?: string;
  /** Name the host key is looked up under in known_hosts instead of host and port (ssh_config HostKeyAlias). */
  hostKeyAlias?: string;
  /** Connect timeout from ssh_config; the play's `connect_timeout`, when written, wins. */
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /**
   * Jump hosts, outermost first (ProxyJump): the device is reached by a direct-tcpip channel through the
   * last one, itself reached through the one before.
   */
  jump?: Connection[];
  /** A shell command whose stdin/stdout carry the SSH stream (ssh_config ProxyCommand, tokens expanded). */
  proxyCommand?: string;
  /** A password written in the inventory or an ansible-vault file (`ansible_password`): a secret, redacted. */
  password?: string;
  /** `ansible_network_os`, for network_cli. */
  networkOs?: string;
  /** `ansible_become*`, present when the host becomes another user. */
  become?: { method: string; user: string; password?: string };
  /** Jump hosts from `-o ProxyJump=`/`-J` in `ansible_ssh_common_args`/`ansible_ssh_extra_args`. */
  proxyJump?: string;
  /** `-F FILE` in the ssh arguments. */
  sshConfig?: string;
  /** Set for `connection: network_cli` hosts: their platform and how to reach privileged mode. */
  network?: NetworkConnection;
}

export interface ConnectionContext {
  /** The inventory file's directory: relative key and known_hosts paths are read from there. */
  baseDir: string;
  home?: string;
  user?: string;
}

export interface ResolvedConnection {
  connection: Connection;
  /** Connection variables with values that cannot work (wrong type or out of range). */
  problems: string[];
  /** `ansible_*` variables and ssh options runbook does not use: the caller warns once per name. */
  ignored: string[];
}

const HOST_KEY_CHECKING = ['strict', 'accept-new', 'off'] as const;

function pick(vars: Record<string, unknown>, name: string): unknown {
  return vars[name] ?? undefined;
}

function expandPath(raw: string, ctx: ConnectionContext): string {
  const home = ctx.home ?? homedir();
  const p = raw === '~' ? home : raw.startsWith('~/') ? join(home, raw.slice(2)) : raw;
  return isAbsolute(p) ? p : resolve(ctx.baseDir, p);
}

let cachedUser: string | undefined;
function currentUser(): string {
  if (cachedUser === undefined) {
    try {
      cachedUser = userInfo().username;
    } catch {
      cachedUser = process.env.USER ?? 'root';
    }
  }
  return cachedUser;
}

/** Turns a host's variables into how to reach it: aliases applied, defaults filled, paths expanded. */
export function resolveConnection(
  hostName: string,
  vars: Record<string, unknown>,
  ctx: ConnectionContext,
): ResolvedConnection {
  const problems: string[] = [];
  const str = (key: string, value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
    problems.push(`connection variable "${key}" must be a non-empty string`);
    return undefined;
  };
  const ansible = readAnsibleConnection(vars);
  problems.push(...ansible.problems);
  const a = ansible.params;
  // runbook's own names first, then Ansible's (current, then legacy spellings, then the ssh arguments).
  const transport = str('connection', pick(vars, 'connection')) ?? a.connection ?? 'ssh';
  const host = str('host', pick(vars, 'host')) ?? a.host ?? hostName;
  const rawPort = pick(vars, 'port');
  let port = a.port ?? 22;
  if (rawPort !== undefined) {
    const n = typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535) port = n;
    else {
      problems.push(
        `connection variable "port" must be a whole number from 1 to 65535, not ${JSON.stringify(rawPort)}`,
      );
    }
  }
  const user = str('user', pick(vars, 'user')) ?? a.user ?? ctx.user ?? currentUser();
  const keyFile = str('key_file', pick(vars, 'key_file')) ?? a.key_file;
  const passphraseEnv = str('passphrase_env', pick(vars, 'passphrase_env'));
  const passwordEnv = str('password_env', pick(vars, 'password_env'));
  const knownHosts = str('known_hosts', pick(vars, 'known_hosts')) ?? a.known_hosts ?? '~/.ssh/known_hosts';
  const rawChecking = pick(vars, 'host_key_checking');
  let hostKeyChecking: Connection['hostKeyChecking'] = a.strict_host_key_checking ?? 'strict';
  if (rawChecking !== undefined) {
    // Ansible inventories often say `host_key_checking: false`.
    const v = rawChecking === false ? 'off' : rawChecking === true ? 'strict' : rawChecking;
    if ((HOST_KEY_CHECKING as readonly unknown[]).includes(v)) hostKeyChecking = v as Connection['hostKeyChecking'];
    else {
      const allowed = HOST_KEY_CHECKING.join(', ');
      const shown = JSON.stringify(rawChecking);
      problems.push(`connection variable "host_key_checking" must be one of ${allowed}, not ${shown}`);
    }
  }
  const connection: Connection = {
    transport,
    host,
    port,
    user,
    knownHosts: expandPath(knownHosts, ctx),
    hostKeyChecking,
  };
  if (keyFile !== undefined) connection.keyFile = expandPath(keyFile, ctx);
  if (passphraseEnv !== undefined) connection.passphraseEnv = passphraseEnv;
  if (passwordEnv !== undefined) connection.passwordEnv = passwordEnv;
  const legacy = pick(vars, 'ssh_legacy_algorithms');
  if (legacy === true) connection.legacyAlgorithms = true;
  else if (legacy !== undefined && legacy !== false) {
    problems.push(`connection variable "ssh_legacy_algorithms" must be true or false, not ${JSON.stringify(legacy)}`);
  }
  if (a.password !== undefined) connection.password = a.password;
  if (a.network_os !== undefined) connection.networkOs = a.network_os;
  if (a.become) {
    connection.become = { method: a.become_method ?? 'sudo', user: a.become_user ?? 'root' };
    if (a.become_password !== undefined) connection.become.password = a.become_password;
  }
  if (a.proxy_jump !== undefined) connection.proxyJump = a.proxy_jump;
  if (a.ssh_config !== undefined) connection.sshConfig = expandPath(a.ssh_config, ctx);
  const net = resolveNetworkConnection(vars);
  problems.push(...net.problems);
  if (net.network) connection.network = net.network;
  return { connection, problems, ignored: ansible.ignored };
}

export function inventoryDir(inv: Inventory): string {
  return dirname(inv.path);
}
