import type { PlatformProfile } from './platform.js';

/**
 * A network device's version facts, as Ansible's `<os>_facts` modules give them by default
 * (`ansible_net_version`, `ansible_net_hostname`, …): the platform profile says which command to run and
 * where each value is in its output, so this stays free of any one OS.
 */
export function networkFacts(profile: PlatformProfile, output: string): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    net_system: profile.name,
    network_os: profile.name,
    net_api: 'cliconf',
    net_gather_subset: ['default'],
    net_gather_network_resources: [],
  };
  for (const [name, pattern] of Object.entries(profile.facts?.patterns ?? {})) {
    const value = pattern.exec(output)?.[1]?.trim();
    if (value !== undefined && value !== '') facts[`net_${name}`] = value;
  }
  return facts;
}
