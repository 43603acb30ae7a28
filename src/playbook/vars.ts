import { userInfo, homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Connection } from '../engine/plan.js';
import type { Inventory, VarsTree } from './types.js';

export interface InventoryVarsOptions {
  /** `group_vars/`/`host_vars/` beside the playbook (Ansible's "play" vars plugins layer). */
  playbookTrees?: readonly VarsTree[];
  /** `-e`: above everything but the magic variables. */
  extraVars?: Record<string, unknown>;
}

/**
 * Variable precedence over an inventory, computed once per inventory so that resolving 10,000 hosts stays
 * linear. Lowest to highest, as Ansible's VariableManager: the inventory's `all` vars, its other groups'
 * vars (shallower first; same depth: by ansible_group_priority then name), `group_vars/all` beside the
 * inventory then beside the playbook, `group_vars/GROUP` likewise, the host's inventory vars, `host_vars/`
 * beside the inventory then the playbook, play vars, extra vars.
 */
export class InventoryVars {
  private readonly depth = new Map<string, number>();
  private readonly parents = new Map<string, string[]>();
  /** Group name → host names, the `groups` magic variable (shared by every host: never mutate it). */
  readonly groups: Record<string, string[]>;

  constructor(
    private readonly inv: Inventory,
    private readonly options: InventoryVarsOptions = {},
  ) {
    for (const g of inv.groups.values()) {
      for (const c of g.children) {
        const list = this.parents.get(c) ?? [];
        list.push(g.name);
        this.parents.set(c, list);
      }
    }
    for (const name of inv.groups.keys()) this.depthOf(name, new Set());
    this.groups = {};
    for (const name of inv.groups.keys()) this.groups[name] = [];
    // Walking hosts in file order keeps every member list in file order.
    for (const host of inv.hosts.keys()) for (const g of this.groupsOf(host)) (this.groups[g] ??= []).push(host);
  }

  private depthOf(name: string, visiting: Set<string>): number {
    const known = this.depth.get(name);
    if (known !== undefined) return known;
    if (name === 'all' || visiting.has(name)) return 0;
    visiting.add(name);
    const ps = this.parents.get(name) ?? [];
    // A group nobody lists as a child hangs directly under `all`.
    const d = ps.length === 0 ? 1 : Math.max(...ps.map((p) => this.depthOf(p, visiting) + 1));
    visiting.delete(name);
    this.depth.set(name, d);
    return d;
  }

  /** Every group the host belongs to, directly or through a parent, in the order their vars apply. */
  groupsOf(host: string): string[] {
    const h = this.inv.hosts.get(host);
    if (!h) return [];
    const out = new Set<string>();
    const climb = (g: string): void => {
      if (out.has(g)) return;
      out.add(g);
      for (const p of this.parents.get(g) ?? []) climb(p);
    };
    for (const g of h.groups) climb(g);
    out.delete('all');
    const priority = (g: string): number => this.inv.groups.get(g)?.priority ?? 1;
    const sorted = [...out].sort(
      (a, b) => (this.depth.get(a) ?? 1) - (this.depth.get(b) ?? 1) || priority(a) - priority(b) || (a < b ? -1 : a > b ? 1 : 0),
    );
    return ['all', ...sorted];
  }

  /** The variables a host sees before any task ran, magic variables included. */
  hostVars(host: string, playVars: Record<string, unknown> = {}): Record<string, unknown> {
    const out = this.inventoryVars(host);
    Object.assign(out, playVars, this.options.extraVars);
    const groupNames = this.groupsOf(host);
    out.inventory_hostname = host;
    out.group_names = groupNames.filter((g) => g !== 'all');
    out.groups = this.groups;
    return out;
  }

  /** The host's variables from the inventory and the vars folders only: what `ansible-inventory --host` shows. */
  inventoryVars(host: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const groupNames = this.groupsOf(host);
    const others = groupNames.slice(1);
    const invTrees = this.inv.varsTrees ?? [];
    const playTrees = this.options.playbookTrees ?? [];
    for (const g of groupNames) Object.assign(out, this.inv.groups.get(g)?.vars);
    for (const t of invTrees) Object.assign(out, t.groups.get('all'));
    for (const t of playTrees) Object.assign(out, t.groups.get('all'));
    for (const t of invTrees) for (const g of others) Object.assign(out, t.groups.get(g));
    for (const t of playTrees) for (const g of others) Object.assign(out, t.groups.get(g));
    Object.assign(out, this.inv.hosts.get(host)?.vars);
    for (const t of invTrees) Object.assign(out, t.hosts.get(host));
    for (const t of playTrees) Object.assign(out, t.hosts.get(host));
    return out;
  }
}

/** Names every host has whatever the inventory says. */
export const MAGIC_VARS = ['inventory_hostname', 'group_names', 'groups'] as const;

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
  const connection: Connection = { host, port, user, knownHosts: expandPath(knownHosts, ctx), hostKeyChecking };
  if (keyFile !== undefined) connection.keyFile = expandPath(keyFile, ctx);
  if (passphraseEnv !== undefined) connection.passphraseEnv = passphraseEnv;
  if (passwordEnv !== undefined) connection.passwordEnv = passwordEnv;
  return { connection, problems };
}

export function inventoryDir(inv: Inventory): string {
  return dirname(inv.path);
}
