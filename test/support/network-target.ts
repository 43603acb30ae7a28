import type { NetworkConnection } from '../../src/inventory/network.js';
import type { Lab } from '../../src/lab/lab.js';
import type { NetworkTarget } from '../../src/transport/network-cli/transport.js';

/**
 * How network_cli reaches a lab device: the lab's login and known_hosts, strict host keys, the device's
 * platform (ios when it has none), and enable with the password in RUNBOOK_LAB_ENABLE except on junos.
 */
export function networkTarget(lab: Lab, host: string, network: Partial<NetworkConnection> = {}): NetworkTarget {
  const h = lab.hosts.find((x) => x.name === host)!;
  const os = h.platform ?? 'ios';
  return {
    transport: 'network_cli',
    host: '127.0.0.1',
    port: h.port,
    user: lab.user,
    keyFile: lab.keyPath,
    knownHosts: lab.knownHostsPath,
    hostKeyChecking: 'strict',
    network: { networkOs: os, become: os !== 'junos', becomePasswordEnv: 'RUNBOOK_LAB_ENABLE', ...network },
  };
}
