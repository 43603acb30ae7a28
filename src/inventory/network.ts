/**
 * How a host is reached when it is a network device: Ansible's `ansible_connection: network_cli` and
 * `ansible_network_os` (or runbook's `connection` and `network_os`), and how to escalate to privileged exec:
 * `ansible_become` / `become`, with the enable secret from the environment variable `become_password_env`
 * names, or from `ansible_become_password` (`ansible_become_pass`) as Ansible inventories carry it.
 */

export interface NetworkConnection {
  networkOs: string;
  become: boolean;
  /** Name of the environment variable holding the enable secret. */
  becomePasswordEnv?: string;
  /** The enable secret as the inventory gave it (Ansible style); redacted wherever variables are shown. */
  becomePassword?: string;
}

function pick(vars: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (vars[k] !== undefined) return vars[k];
  return undefined;
}

function truthy(v: unknown): boolean {
  if (typeof v === 'string') return ['true', 'yes', 'on', '1'].includes(v.trim().toLowerCase());
  return v === true || v === 1;
}

/** The host's network connection, undefined when it is not network_cli, or the problems with its variables. */
export function resolveNetworkConnection(vars: Record<string, unknown>): {
  network?: NetworkConnection;
  problems: string[];
} {
  const kind = pick(vars, 'connection', 'ansible_connection');
  const problems: string[] = [];
  if (kind === undefined) return { problems };
  const name = String(kind).replace(/^ansible\.netcommon\./, '');
  if (name !== 'network_cli') return { problems };
  const os = pick(vars, 'network_os', 'ansible_network_os');
  if (typeof os !== 'string' || os.trim() === '') {
    problems.push(
      'a network_cli connection needs ansible_network_os (ios, iosxr, nxos, eos, junos or a platform of your own)',
    );
    return { problems };
  }
  const network: NetworkConnection = { networkOs: os.trim(), become: truthy(pick(vars, 'become', 'ansible_become')) };
  const method = pick(vars, 'become_method', 'ansible_become_method');
  if (method !== undefined && String(method) !== 'enable')
    problems.push(`become_method "${String(method)}" is not supported on network_cli (only enable)`);
  const env = pick(vars, 'become_password_env');
  if (env !== undefined) {
    if (typeof env === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) network.becomePasswordEnv = env;
    else problems.push('become_password_env must name an environment variable');
  }
  const password = pick(vars, 'ansible_become_password', 'ansible_become_pass', 'become_password');
  if (password !== undefined && password !== null) network.becomePassword = String(password);
  return { network, problems };
}
