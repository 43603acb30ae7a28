import type { Connection } from '../inventory/connection.js';
import type { PlatformCatalog } from '../network/platform.js';
import { TransportError, type ConnectOptions, type JumpHostStats, type Session, type Transport } from './transport.js';

/** What every transport is built from, once per run. */
export interface TransportSetup {
  /** Where `password_env` and `passphrase_env` are looked up. */
  env: NodeJS.ProcessEnv;
  /** A warning the user should see once (e.g. host-key checking is off). */
  warn?: (message: string) => void;
  /** The platform profiles network_cli hosts are driven by (the shipped ones when not given). */
  platforms?: () => PlatformCatalog;
}

export interface TransportEntry {
  /** One line for help and errors. */
  summary: string;
  /** Imported only when a host uses it, so `validate` and `plan` never load ssh2. */
  create(setup: TransportSetup): Promise<Transport>;
}

/**
 * Every way of reaching a host, by the name a host gives in `connection:` (or `ansible_connection:`). Adding
 * one is a file implementing `Transport` and a line here.
 */
export const TRANSPORTS: Readonly<Record<string, TransportEntry>> = {
  ssh: {
    summary: 'commands over SSH exec channels, files over SFTP',
    create: async (setup) => new (await import('./ssh.js')).SshTransport(setup),
  },
  network_cli: {
    summary: 'a network device driven through one CLI shell by its platform profile (ansible_network_os)',
    create: networkCli,
  },
  // The same, by Ansible's fully qualified name.
  'ansible.netcommon.network_cli': {
    summary: 'network_cli by its Ansible name',
    create: networkCli,
  },
};

async function networkCli(setup: TransportSetup): Promise<Transport> {
  const [{ SshTransport }, { NetworkCliTransport }, { loadPlatforms }] = await Promise.all([
    import('./ssh.js'),
    import('./network-cli/transport.js'),
    import('../network/platform.js'),
  ]);
  let shipped: PlatformCatalog | undefined;
  const platforms = setup.platforms ?? (() => (shipped ??= loadPlatforms().catalog));
  return new NetworkCliTransport(new SshTransport(setup), platforms, setup.env);
}

export function isTransportName(name: string): boolean {
  return Object.hasOwn(TRANSPORTS, name);
}

/**
 * The transport of a run: each host goes to the transport its connection names, made on first use and
 * shared by every host that names it (so caches such as parsed known_hosts are shared too).
 */
export class TransportRouter implements Transport {
  private readonly made = new Map<string, Promise<Transport>>();
  private readonly ready = new Set<Transport>();

  constructor(private readonly setup: TransportSetup) {}

  async connect(target: Connection, opts: ConnectOptions): Promise<Session> {
    const entry = isTransportName(target.transport) ? TRANSPORTS[target.transport] : undefined;
    // The planner refuses unknown names; this guards callers that build connections by hand.
    if (!entry) throw new TransportError('refused', `${target.host}: no transport named "${target.transport}"`);
    let transport = this.made.get(target.transport);
    if (!transport) this.made.set(target.transport, (transport = entry.create(this.setup)));
    const made = await transport;
    this.ready.add(made);
    return made.connect(target, opts);
  }

  /** Ends what each transport made keeps open beyond single hosts (shared jump connections). */
  async close(): Promise<void> {
    const made = await Promise.all(this.made.values());
    await Promise.all(made.map((t) => t.close?.()));
  }

  /** The jump hosts every transport made so far went through. */
  jumpStats(): JumpHostStats[] {
    return [...this.ready].flatMap((t) => t.jumpStats?.() ?? []);
  }
}
