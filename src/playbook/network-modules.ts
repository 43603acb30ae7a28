/**
 * Ansible's network modules runbook runs, by every name a playbook may use for them (short and FQCN), so
 * that existing network playbooks load unchanged. `cli_confirm` is runbook's own: it confirms a change a
 * config task left pending under `confirm:`.
 */

export type NetworkModuleKind = 'cli_command' | 'command' | 'cli_config' | 'config' | 'confirm';

const PLATFORMS: Array<[string, string]> = [
  ['ios', 'cisco.ios'],
  ['iosxr', 'cisco.iosxr'],
  ['nxos', 'cisco.nxos'],
  ['eos', 'arista.eos'],
  ['junos', 'junipernetworks.junos'],
];

function table(): Record<string, NetworkModuleKind> {
  const t: Record<string, NetworkModuleKind> = {
    cli_command: 'cli_command',
    'ansible.netcommon.cli_command': 'cli_command',
    cli_config: 'cli_config',
    'ansible.netcommon.cli_config': 'cli_config',
    cli_confirm: 'confirm',
  };
  for (const [os, collection] of PLATFORMS) {
    t[`${os}_command`] = 'command';
    t[`${collection}.${os}_command`] = 'command';
    t[`${os}_config`] = 'config';
    t[`${collection}.${os}_config`] = 'config';
  }
  return t;
}

export const NETWORK_MODULES: Readonly<Record<string, NetworkModuleKind>> = table();
