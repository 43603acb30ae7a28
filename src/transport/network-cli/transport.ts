import type { Connection } from '../../inventory/connection.js';
import type { NetworkConnection } from '../../inventory/network.js';
import type { PlatformCatalog } from '../../network/platform.js';
import { TransportError, type ConnectOptions, type Session, type Transport } from '../transport.js';
import { CliChannel, CliError } from './channel.js';
import { NetworkCliSession } from './session.js';

/**
 * network_cli: the SSH connection is made by the SSH transport (timeouts, host keys, authentication, and so
 * the scheduler's breakers and connect rate, all apply unchanged), then one PTY shell is opened and driven
 * by the host's platform profile. Hosts without a network connection go straight to the SSH transport.
 */

export type NetworkTarget = Connection & { network?: NetworkConnection };

export class NetworkCliTransport implements Transport {
  constructor(
    private readonly ssh: Transport,
    private readonly platforms: () => PlatformCatalog,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async connect(target: NetworkTarget, opts: ConnectOptions): Promise<Session> {
    const network = target.network;
    if (!network) return this.ssh.connect(target, opts);
    const where = `${target.host}:${target.port}`;
    const profile = this.platforms().resolve(network.networkOs);
    if (!profile)
      throw new TransportError(
        'dropped',
        `${where}: no platform profile for network_os "${network.networkOs}" ` +
          `(known: ${this.platforms().names().join(', ')})`,
      );
    const started = Date.now();
    const ssh = await this.ssh.connect(target, opts);
    if (!ssh.shell) {
      await ssh.close();
      throw new TransportError('dropped', `${where}: this connection cannot open an interactive shell`);
    }
    let session: NetworkCliSession | undefined;
    try {
      const shell = await ssh.shell();
      session = new NetworkCliSession(ssh, new CliChannel(shell, profile, where), where);
      const password =
        network.becomePasswordEnv !== undefined ? this.env[network.becomePasswordEnv] : network.becomePassword;
      const left = Math.max(1_000, opts.timeoutMs - (Date.now() - started));
      await session.start({ enabled: network.become, ...(password !== undefined ? { password } : {}) }, left);
      return session;
    } catch (err) {
      await ssh.close().catch(() => undefined);
      // Not reaching the working mode is as fatal as a failed login: no task could run, so the host is
      // unreachable and counts against its breaker.
      if (err instanceof CliError) throw new TransportError(err.kind === 'become' ? 'auth' : 'dropped', err.message);
      throw err;
    }
  }
}
