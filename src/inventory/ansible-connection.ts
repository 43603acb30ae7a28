import { shlexSplit } from './shlex.js';

/**
 * Ansible's connection variables, read from a host's (already templated) variables into named parameters the
 * transports use. Legacy spellings (`ansible_ssh_host`, `ansible_ssh_port`, `ansible_ssh_user`,
 * `ansible_ssh_pass`) are read where the current name is absent, as Ansible does. `ansible_ssh_common_args`
 * and `ansible_ssh_extra_args` are parsed for the OpenSSH options that matter to a connection; anything in
 * them runbook does not use is reported, never silently dropped.
 */
export interface AnsibleConnectionParams {
  host?: string;
  port?: number;
  user?: string;
  key_file?: string;
  /** A password written in the inventory (or a vault). */
  password?: string;
  /** `ansible_connection`, FQCN prefix dropped; paramiko and smart are ssh. Checked against the transports later. */
  connection?: string;
  network_os?: string;
  become?: boolean;
  become_method?: string;
  become_user?: string;
  become_password?: string;
  /** `-J` / `-o ProxyJump=`, or `-o ProxyCommand="ssh -W %h:%p … bastion"`: jump hosts, comma-separated. */
  proxy_jump?: string;
  /** `-o StrictHostKeyChecking=`: runbook's host_key_checking. */
  strict_host_key_checking?: 'strict' | 'accept-new' | 'off';
  /** `-o UserKnownHostsFile=`. */
  known_hosts?: string;
  /** `-F FILE` in the ssh arguments: an OpenSSH client configuration. */
  ssh_config?: string;
}

/** Every `ansible_*` variable runbook reads (or, for the interpreter, knowingly ignores). */
export const KNOWN_ANSIBLE_VARS = new Set([
  'ansible_host',
  'ansible_ssh_host',
  'ansible_port',
  'ansible_ssh_port',
  'ansible_user',
  'ansible_ssh_user',
  'ansible_ssh_private_key_file',
  'ansible_private_key_file',
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_connection',
  'ansible_network_os',
  'ansible_become',
  'ansible_become_method',
  'ansible_become_user',
  'ansible_become_password',
  'ansible_become_pass',
  'ansible_ssh_common_args',
  'ansible_ssh_extra_args',
  'ansible_python_interpreter',
  'ansible_host_key_checking',
  'ansible_ssh_host_key_checking',
  // Set by runbook itself for templates, never read as connection settings.
  'ansible_check_mode',
  'ansible_diff_mode',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'ansible_play_batch',
  'ansible_play_name',
  'ansible_forks',
  'ansible_limit',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_version',
  'ansible_verbosity',
  'ansible_inventory_sources',
  'ansible_config_file',
  'ansible_playbook_python',
]);

const BECOME_METHODS = [
  'sudo',
  'su',
  'doas',
  'enable',
  'pbrun',
  'pfexec',
  'dzdo',
  'ksu',
  'runas',
  'machinectl',
  'sesu',
];

export interface ReadConnection {
  params: AnsibleConnectionParams;
  /** Values that cannot work, each naming its variable. */
  problems: string[];
  /** `ansible_*` names runbook does not know, and ssh options it does not use: each deserves one warning. */
  ignored: string[];
}

export function readAnsibleConnection(vars: Record<string, unknown>): ReadConnection {
  const params: AnsibleConnectionParams = {};
  const problems: string[] = [];
  const ignored: string[] = [];
  const first = (...names: string[]): { name: string; value: unknown } | undefined => {
    for (const name of names) if (vars[name] !== undefined && vars[name] !== null) return { name, value: vars[name] };
    return undefined;
  };
  const text = (...names: string[]): string | undefined => {
    const found = first(...names);
    if (!found) return undefined;
    if (typeof found.value === 'string' && found.value !== '') return found.value;
    if (typeof found.value === 'number') return String(found.value);
    problems.push(`${found.name} must be a non-empty string, not ${JSON.stringify(found.value)}`);
    return undefined;
  };

  const host = text('ansible_host', 'ansible_ssh_host');
  if (host !== undefined) params.host = host;
  const port = first('ansible_port', 'ansible_ssh_port');
  if (port) {
    const n = parsePort(port.value);
    if (n !== undefined) params.port = n;
    else problems.push(`${port.name} must be a whole number from 1 to 65535, not ${JSON.stringify(port.value)}`);
  }
  const user = text('ansible_user', 'ansible_ssh_user');
  if (user !== undefined) params.user = user;
  const key = text('ansible_ssh_private_key_file', 'ansible_private_key_file');
  if (key !== undefined) params.key_file = key;
  const password = text('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password');
  if (password !== undefined) params.password = password;

  const connection = text('ansible_connection');
  if (connection !== undefined) {
    // Ansible's paramiko and smart connections are SSH too; collection names resolve to the same plugins.
    const short = connection.replace(/^(ansible\.(builtin|netcommon)\.)/, '');
    params.connection = short === 'paramiko' || short === 'smart' || short === 'paramiko_ssh' ? 'ssh' : short;
  }
  const networkOs = text('ansible_network_os');
  if (networkOs !== undefined) params.network_os = networkOs;

  const become = first('ansible_become');
  if (become) {
    const b = ansibleBool(become.value);
    if (b === undefined) problems.push(`ansible_become must be true or false, not ${JSON.stringify(become.value)}`);
    else params.become = b;
  }
  const method = text('ansible_become_method');
  if (method !== undefined) {
    const short = method.replace(/^ansible\.builtin\./, '');
    if (BECOME_METHODS.includes(short)) params.become_method = short;
    else problems.push(`ansible_become_method "${method}" is not a become method Ansible knows`);
  }
  const becomeUser = text('ansible_become_user');
  if (becomeUser !== undefined) params.become_user = becomeUser;
  const becomePassword = text('ansible_become_password', 'ansible_become_pass');
  if (becomePassword !== undefined) params.become_password = becomePassword;

  const checking = first('ansible_host_key_checking', 'ansible_ssh_host_key_checking');
  if (checking) {
    const b = ansibleBool(checking.value);
    if (b === undefined) problems.push(`${checking.name} must be true or false, not ${JSON.stringify(checking.value)}`);
    else params.strict_host_key_checking = b ? 'strict' : 'off';
  }

  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = text(name);
    if (args !== undefined) readSshArgs(name, args, params, problems, ignored);
  }

  for (const name of Object.keys(vars)) {
    if (name.startsWith('ansible_') && !KNOWN_ANSIBLE_VARS.has(name)) ignored.push(name);
  }
  return { params, problems, ignored };
}

function parsePort(value: unknown): number | undefined {
  // Ansible accepts a quoted port ("22") just as a number.
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** Ansible's boolean(): true/yes/on/1 and false/no/off/0, any case, as text or value. */
export function ansibleBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1', 'y', 't'].includes(v)) return true;
  if (['false', 'no', 'off', '0', 'n', 'f'].includes(v)) return false;
  return undefined;
}

/** The OpenSSH options in `ansible_ssh_common_args`/`ansible_ssh_extra_args` that shape a connection. */
function readSshArgs(
  name: string,
  args: string,
  params: AnsibleConnectionParams,
  problems: string[],
  ignored: string[],
): void {
  const split = shlexSplit(args, { comments: false });
  if ('problem' in split) {
    problems.push(`${name}: ${split.problem}`);
    return;
  }
  const words = split.words;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const flag = /^-([opJiFl])(.*)$/.exec(word);
    if (!flag) {
      ignored.push(`${name}: ${word}`);
      continue;
    }
    const value = flag[2] !== '' ? flag[2]! : words[++i];
    if (value === undefined) {
      problems.push(`${name}: ${word} needs a value`);
      continue;
    }
    if (flag[1] === 'o') readSshOption(name, value, params, problems, ignored);
    else if (flag[1] === 'p') setPort(name, value, params, problems);
    else if (flag[1] === 'J') params.proxy_jump ??= value;
    else if (flag[1] === 'i') params.key_file ??= value;
    else if (flag[1] === 'F') params.ssh_config ??= value;
    else if (flag[1] === 'l') params.user ??= value;
  }
}

function setPort(name: string, value: string, params: AnsibleConnectionParams, problems: string[]): void {
  const n = parsePort(value);
  if (n === undefined) problems.push(`${name}: port must be a whole number from 1 to 65535, not "${value}"`);
  // ansible_port is passed to ssh before these arguments, and ssh keeps the first value it is given.
  else params.port ??= n;
}

function readSshOption(
  name: string,
  option: string,
  params: AnsibleConnectionParams,
  problems: string[],
  ignored: string[],
): void {
  const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(option);
  if (!m) {
    problems.push(`${name}: "-o ${option}" is not an OpenSSH option`);
    return;
  }
  const key = m[1]!.toLowerCase();
  const value = m[2]!;
  if (key === 'proxyjump') {
    if (value.toLowerCase() !== 'none') params.proxy_jump ??= value;
  } else if (key === 'proxycommand') {
    // The common "ssh -W %h:%p bastion" is a jump host; runbook never runs a command to connect.
    const jump = jumpFromProxyCommand(value);
    if (jump) params.proxy_jump ??= jump;
    else {
      problems.push(
        `${name}: ProxyCommand "${value}" runs a program to connect, which runbook never does; use ProxyJump`,
      );
    }
  } else if (key === 'stricthostkeychecking') {
    const v = value.toLowerCase();
    const modes: Record<string, AnsibleConnectionParams['strict_host_key_checking']> = {
      yes: 'strict',
      true: 'strict',
      no: 'off',
      off: 'off',
      false: 'off',
      'accept-new': 'accept-new',
    };
    const mode = Object.hasOwn(modes, v) ? modes[v] : undefined;
    if (mode === undefined) problems.push(`${name}: StrictHostKeyChecking=${value} is not yes, no or accept-new`);
    else params.strict_host_key_checking ??= mode;
  } else if (key === 'userknownhostsfile') {
    params.known_hosts ??= value.split(/\s+/)[0]!;
  } else if (key === 'port') {
    setPort(name, value, params, problems);
  } else if (key === 'user') {
    params.user ??= value;
  } else if (key === 'identityfile') {
    params.key_file ??= value;
  } else {
    ignored.push(`${name}: -o ${m[1]}`);
  }
}

/** `ssh -W %h:%p [-q] [-p PORT] [-l USER] [USER@]HOST` → `[USER@]HOST[:PORT]`; anything else is undefined. */
function jumpFromProxyCommand(command: string): string | undefined {
  const split = shlexSplit(command, { comments: false });
  if ('problem' in split) return undefined;
  const [prog, ...rest] = split.words;
  if (prog === undefined || !/(^|\/)ssh$/.test(prog)) return undefined;
  let host: string | undefined;
  let port: string | undefined;
  let user: string | undefined;
  let forwards = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '-W') forwards = rest[++i] === '%h:%p';
    else if (w === '-q' || w === '-T' || w === '-N') continue;
    else if (w === '-p') port = rest[++i];
    else if (w === '-l') user = rest[++i];
    else if (w.startsWith('-')) return undefined;
    else if (host === undefined) host = w;
    else return undefined;
  }
  if (!forwards || host === undefined) return undefined;
  return `${user && !host.includes('@') ? `${user}@` : ''}${host}${port ? `:${port}` : ''}`;
}
