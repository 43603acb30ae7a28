import type { Duplex } from 'node:stream';
import type ssh2 from 'ssh2';
import type { Connection } from '../inventory/connection.js';
import { TransportError, type JumpHostStats, type JumpState, type JumpTransition } from './transport.js';

type Client = InstanceType<typeof ssh2.Client>;

/**
 * Jump hosts shared by the devices behind them. A site of 500 devices behind one bastion costs one login
 * to the bastion, not 500 (the AAA overload that per-device jump logins cause): each device is a
 * direct-tcpip channel over a shared connection, and more connections are opened only when one carries
 * `maxChannels` channels or the bastion refuses another.
 *
 * A bastion is also the rollout's biggest single point of failure, so it has its own breaker: a login that
 * fails opens it, and every device waiting on or arriving at that bastion fails at once with reason `jump`
 * instead of spending a connect timeout each. After `cooldownMs` the next device probes with one login
 * while the others wait on its result.
 */

/** Logs in to one hop, over `sock` when the hop is itself behind another. */
export type JumpLogin = (
  hop: Connection,
  sock: Duplex | undefined,
  opts: { timeoutMs: number; signal?: AbortSignal; connectSlot?: () => Promise<void> },
) => Promise<Client>;

export interface JumpPoolOptions {
  login: JumpLogin;
  /** Channels per jump connection before another is opened (OpenSSH's MaxSessions defaults to 10). */
  maxChannels?: number;
  /** How long a failed bastion is left alone before one device probes it again. */
  cooldownMs?: number;
  /** Most jump logins per second, apart from device logins (`connect_rate`). */
  loginRate?: number;
  now?: () => number;
}

const DEFAULT_MAX_CHANNELS = 10;
const DEFAULT_COOLDOWN_MS = 30_000;
/** A jump connection with no channel is kept this long for the next device, then ended. */
const IDLE_MS = 10_000;

class JumpConnection {
  channels = 0;
  /** The bastion refused a channel while this many were open: do not ask it for more. */
  limit = Infinity;
  dead = false;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    readonly client: Client,
    private readonly onDead: (conn: JumpConnection, unexpected: boolean) => void,
  ) {
    client.on('close', () => {
      const unexpected = !this.dead;
      this.dead = true;
      if (this.idle) clearTimeout(this.idle);
      this.onDead(this, unexpected);
    });
    // Reported through 'close'; an unhandled 'error' would end the process.
    client.on('error', () => undefined);
  }

  /** The link went before ssh2 said so (a channel request found the socket gone). */
  lost(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.idle) clearTimeout(this.idle);
    this.onDead(this, true);
  }

  hasRoom(max: number): boolean {
    return !this.dead && this.channels < Math.min(max, this.limit);
  }

  take(): void {
    this.channels += 1;
    if (this.idle) {
      clearTimeout(this.idle);
      this.idle = undefined;
    }
  }

  release(): void {
    this.channels -= 1;
    if (this.channels === 0 && !this.dead) {
      this.idle = setTimeout(() => this.end(), IDLE_MS);
      this.idle.unref();
    }
  }

  end(): void {
    if (this.dead) return;
    this.dead = true;
    this.client.end();
    // A bastion that stopped answering would never finish the goodbye.
    setTimeout(() => this.client.destroy(), 2_000).unref();
  }
}

class JumpHost {
  readonly conns: JumpConnection[] = [];
  pending: Promise<JumpConnection> | undefined;
  state: JumpState = 'closed';
  openedAt = 0;
  lastError: TransportError | undefined;
  readonly devices = new Set<string>();
  logins = 0;
  failures = 0;
  drops = 0;
  peakChannels = 0;
  readonly transitions: JumpTransition[] = [];

  constructor(
    readonly name: string,
    readonly chain: Connection[],
  ) {}

  move(to: JumpState, at: number, error?: string): void {
    if (this.state === to) return;
    this.transitions.push({ at: new Date(at), from: this.state, to, ...(error !== undefined ? { error } : {}) });
    this.state = to;
  }
}

export function hopName(hop: Connection): string {
  return `${hop.user}@${hop.host}:${hop.port}`;
}

export function chainName(chain: Connection[]): string {
  return chain.map(hopName).join(' > ');
}

export class JumpPool {
  private readonly hosts = new Map<string, JumpHost>();
  private readonly maxChannels: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private nextLoginAt = 0;
  private closed = false;
  private loginRate: number | undefined;

  constructor(private readonly opts: JumpPoolOptions) {
    this.maxChannels = opts.maxChannels ?? DEFAULT_MAX_CHANNELS;
    this.cooldownMs = opts.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.now = opts.now ?? Date.now;
    this.loginRate = opts.loginRate;
  }

  /** The play's `connect_rate`, applied to jump logins on their own. */
  setLoginRate(rate: number | undefined): void {
    this.loginRate = rate;
  }

  /**
   * A stream to `host:port` as seen from the last hop of `chain`: a direct-tcpip channel over a shared
   * connection to it. Fails with reason `jump` when a hop cannot be reached or logged in to.
   */
  async open(
    chain: Connection[],
    host: string,
    port: number,
    device: string,
    opts: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<Duplex> {
    const jump = this.hostFor(chain);
    jump.devices.add(device);
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection(jump, opts);
      try {
        const stream = await forward(conn.client, host, port);
        jump.peakChannels = Math.max(jump.peakChannels, conn.channels);
        stream.once('close', () => conn.release());
        return stream;
      } catch (err) {
        conn.release();
        const refused = err as Error & { reason?: number | string };
        if (!conn.dead && /not connected|no response|connection (lost|closed)/i.test(refused.message)) conn.lost();
        // The bastion refused a channel it would give on a less busy connection (MaxSessions and the
        // like): cap this connection where it is and use, or open, another.
        if (conn.channels > 0 && attempt < 3 && !conn.dead && isResourceRefusal(refused)) {
          conn.limit = conn.channels;
          continue;
        }
        if (conn.dead) {
          if (attempt < 3) continue;
          throw new TransportError(
            'dropped',
            `${host}:${port}: jump connection ${jump.name} closed while opening a channel`,
          );
        }
        throw new TransportError(
          'refused',
          `${host}:${port}: ${jump.name} could not reach it (${oneLine(refused.message)})`,
        );
      }
    }
  }

  stats(): JumpHostStats[] {
    return [...this.hosts.values()].map((j) => ({
      name: j.name,
      devices: j.devices.size,
      logins: j.logins,
      failures: j.failures,
      drops: j.drops,
      peakChannels: j.peakChannels,
      state: j.state,
      transitions: [...j.transitions],
    }));
  }

  /** Ends every jump connection (the run is over); a login still under way is ended when it lands. */
  close(): void {
    this.closed = true;
    for (const j of this.hosts.values()) for (const c of j.conns) c.end();
  }

  private hostFor(chain: Connection[]): JumpHost {
    const name = chainName(chain);
    let jump = this.hosts.get(name);
    if (!jump) this.hosts.set(name, (jump = new JumpHost(name, chain)));
    return jump;
  }

  /** A jump connection with a channel slot taken for the caller. */
  private async connection(jump: JumpHost, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<JumpConnection> {
    for (;;) {
      if (this.closed) throw new TransportError('dropped', `jump: ${jump.name}: the run is over`);
      const free = jump.conns.find((c) => c.hasRoom(this.maxChannels));
      if (free) {
        // Taken here, synchronously: devices resumed by the same login must not all see the same free slot.
        free.take();
        return free;
      }
      if (jump.pending) {
        // One login at a time per bastion: the devices arriving meanwhile wait for it, and share its fate.
        await jump.pending;
        continue;
      }
      if (jump.state === 'open') {
        if (this.now() - jump.openedAt < this.cooldownMs) throw jump.lastError!;
        jump.move('half-open', this.now());
      }
      jump.pending = this.login(jump, opts).finally(() => (jump.pending = undefined));
      await jump.pending;
    }
  }

  private async login(jump: JumpHost, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<JumpConnection> {
    const hop = jump.chain[jump.chain.length - 1]!;
    const before = jump.chain.slice(0, -1);
    try {
      const sock =
        before.length > 0 ? await this.open(before, hop.host, hop.port, chainName(jump.chain), opts) : undefined;
      // The login rate, like connect_rate, is taken right before the TCP connect, not before the key loads.
      const client = await this.opts.login(hop, sock, { ...opts, connectSlot: () => this.waitLoginSlot(opts.signal) });
      const conn = new JumpConnection(client, (c, unexpected) => {
        const i = jump.conns.indexOf(c);
        if (i >= 0) jump.conns.splice(i, 1);
        if (unexpected) jump.drops += 1;
      });
      jump.conns.push(conn);
      jump.logins += 1;
      if (this.closed) conn.end();
      jump.move('closed', this.now());
      return conn;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const reason = err instanceof TransportError ? `${err.reason}: ${err.message}` : oneLine((err as Error).message);
      const failure = new TransportError('jump', `jump: ${jump.name}: ${reason}`);
      jump.failures += 1;
      jump.lastError = failure;
      jump.openedAt = this.now();
      jump.move('open', this.now(), reason);
      throw failure;
    }
  }

  /** Spaces jump logins `1 / loginRate` seconds apart (device logins have their own pace). */
  private async waitLoginSlot(signal?: AbortSignal): Promise<void> {
    if (!this.loginRate) return;
    const now = this.now();
    const at = Math.max(now, this.nextLoginAt);
    this.nextLoginAt = at + 1000 / this.loginRate;
    if (at > now) await sleep(at - now, signal);
  }
}

function forward(client: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => (err ? reject(err) : resolve(channel)));
    } catch (err) {
      // ssh2 throws rather than calls back when the connection closed a moment ago.
      reject(err as Error);
    }
  });
}

/** SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (1) or SSH_OPEN_RESOURCE_SHORTAGE (4): a limit, not a dead device. */
function isResourceRefusal(err: Error & { reason?: number | string }): boolean {
  return err.reason === 1 || err.reason === 4 || /prohibited|resource shortage/i.test(err.message);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
