import { userInfo, homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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
}

const HOST_KEY_CHECKING = ['strict', 'accept-new', 'off'] as const;

function pick(vars: Record<string, unknown>, name: string, alias?: string): unknown {
  if (vars[name] !== undefined && vars[name] !== null) return vars[name];
  return alias === undefined ? undefined : vars[alias] ?? undefined;
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
export function resolveConnection(hostName: string, vars: Record<string, unknown>, ctx: ConnectionContext): ResolvedConnection {
  const problems: string[] = [];
  const str = (key: string, value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
    problems.push(`connection variable "${key}" must be a non-empty string`);
    return undefined;
  };
  const transport = str('connection', pick(vars, 'connection', 'ansible_connection')) ?? 'ssh';
  const host = str('host', pick(vars, 'host', 'ansible_host')) ?? hostName;
  const rawPort = pick(vars, 'port', 'ansible_port');
  let port = 22;
  if (rawPort !== undefined) {
    const n = typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535) port = n;
    else problems.push(`connection variable "port" must be a whole number from 1 to 65535, not ${JSON.stringify(rawPort)}`);
  }
  const user = str('user', pick(vars, 'user', 'ansible_user')) ?? ctx.user ?? currentUser();
  const keyFile = str('key_file', pick(vars, 'key_file', 'ansible_ssh_private_key_file'));
  const passphraseEnv = str('passphrase_env', pick(vars, 'passphrase_env'));
  const passwordEnv = str('password_env', pick(vars, 'password_env'));
  const knownHosts = str('known_hosts', pick(vars, 'known_hosts')) ?? '~/.ssh/known_hosts';
  const rawChecking = pick(vars, 'host_key_checking');
  let hostKeyChecking: Connection['hostKeyChecking'] = 'strict';
  if (rawChecking !== undefined) {
    // Ansible inventories often say `host_key_checking: false`.
    const v = rawChecking === false ? 'off' : rawChecking === true ? 'strict' : rawChecking;
    if ((HOST_KEY_CHECKING as readonly unknown[]).includes(v)) hostKeyChecking = v as Connection['hostKeyChecking'];
    else problems.push(`connection variable "host_key_checking" must be one of ${HOST_KEY_CHECKING.join(', ')}, not ${JSON.stringify(rawChecking)}`);
  }
  const connection: Connection = { transport, host, port, user, knownHosts: expandPath(knownHosts, ctx), hostKeyChecking };
  if (keyFile !== undefined) connection.keyFile = expandPath(keyFile, ctx);
  if (passphraseEnv !== undefined) connection.passphraseEnv = passphraseEnv;
  if (passwordEnv !== undefined) connection.passwordEnv = passwordEnv;
  return { connection, problems };
}

export function inventoryDir(inv: Inventory): string {
  return dirname(inv.path);
}
