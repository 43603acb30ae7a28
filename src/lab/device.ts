import net from 'node:net';
import ssh2, { type AuthContext, type ServerChannel, type Connection } from 'ssh2';
import {
  abortableDelay,
  runCommandLine,
  type CommandOutput,
  type CustomCommand,
  type DeviceIdentity,
} from './commands.js';
import type { FaultTable, ActiveFaults } from './faults.js';
import { MemoryFs } from './filesystem.js';
import { serveSftp } from './sftp.js';
import { serveCli } from './network/cli-shell.js';
import type { NetworkDevice } from './network/network-device.js';

/**
 * One simulated device: its own TCP listener on 127.0.0.1, an ssh2 server behind it, an in-memory file
 * system, counters, and the faults that currently apply to it. The listener is ours rather than ssh2's so
 * a `hang` device can take the TCP connection and never send the SSH banner, and a `refuse` device can stop
 * listening and later listen again on the same port.
 */

export interface LabCounters {
  connections: number;
  commands: number;
  concurrentSessions: number;
  maxConcurrentSessions: number;
  bytesWritten: number;
  authFailures: number;
}

/** Shared by every device of a lab: concurrency across the whole fleet at one instant. */
export class FleetCounters {
  connections = 0;
  commands = 0;
  sessions = 0;
  maxConcurrentSessions = 0;
  openConnections = 0;
  maxConcurrentConnections = 0;
}

export interface DeviceOptions {
  identity: DeviceIdentity;
  hostKey: string;
  clientKey: { type: string; blob: Buffer };
  password: string;
  latencyMs: number;
  faults: FaultTable;
  custom: Record<string, CustomCommand>;
  random: () => number;
  fleet: FleetCounters;
  /** Set when the device plays a network OS: interactive shells then get its CLI instead of LabOS's. */
  network?: NetworkDevice;
  /** A jump host: it forwards direct-tcpip channels to 127.0.0.1 ports (the lab's devices), nothing else. */
  forwarding?: boolean;
}

/** What a jump host saw: logins, and the channels it carried to devices. */
export interface JumpCounters {
  logins: number;
  channels: number;
  /** Most channels open at once over a single connection. */
  maxChannelsPerConnection: number;
  /** Channels whose device did not answer (refused or down). */
  failedChannels: number;
}

const METHODS: AuthContext['method'][] = ['publickey', 'password'];

export class Device {
  readonly fs = new MemoryFs();
  readonly counters: LabCounters = {
    connections: 0,
    commands: 0,
    concurrentSessions: 0,
    maxConcurrentSessions: 0,
    bytesWritten: 0,
    authFailures: 0,
  };
  readonly jumpCounters: JumpCounters = { logins: 0, channels: 0, maxChannelsPerConnection: 0, failedChannels: 0 };
  port = 0;
  private readonly listener: net.Server;
  private readonly ssh: ssh2.Server;
  private readonly sockets = new Map<number, net.Socket>();
  private readonly stopping = new AbortController();
  private pending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: DeviceOptions) {
    this.ssh = new ssh2.Server({ hostKeys: [opts.hostKey], ident: 'LabOS_4.2' }, (client, info) =>
      this.serve(client, info.port),
    );
    this.listener = net.createServer((socket) => this.accept(socket));
    this.listener.on('error', () => {
      // A failed re-listen is retried in listen(); nothing else is expected to fail on a bound listener.
    });
    seed(this.fs, opts.identity);
  }

  get name(): string {
    return this.opts.identity.host;
  }

  get network(): NetworkDevice | undefined {
    return this.opts.network;
  }

  get site(): string {
    return this.opts.identity.site;
  }

  private faults(): ActiveFaults {
    return this.opts.faults.resolve(this.name, this.site);
  }

  /** First listen: takes an OS-assigned port, kept for the device's life so inventories stay valid. */
  async start(): Promise<void> {
    await this.listen(0);
    this.port = (this.listener.address() as net.AddressInfo).port;
    this.reconcile();
    await this.settled();
  }

  /** Brings the listener in line with the faults (refuse closes it, clearing refuse opens it again). */
  reconcile(): void {
    this.pending = this.pending.then(async () => {
      const want = !this.stopped && !this.faults().refuse;
      if (want && !this.listener.listening) await this.listen(this.port);
      else if (!want && this.listener.listening) await this.closeListener();
    });
  }

  /** Resolves once the listener matches the latest reconcile(). */
  settled(): Promise<void> {
    return this.pending;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.reconcile();
    for (const s of this.sockets.values()) s.destroy();
    await this.pending;
  }

  /** Cuts every open connection, as a crash and restart of the device would; it keeps listening. */
  dropConnections(): void {
    for (const s of this.sockets.values()) s.destroy();
  }

  private async listen(port: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          this.listener.once('error', onError);
          this.listener.listen({ port, host: '127.0.0.1', backlog: 511 }, () => {
            this.listener.off('error', onError);
            resolve();
          });
        });
        return;
      } catch (e) {
        // Another process may hold the port for a moment after we let it go; give it a few chances.
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 40) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private closeListener(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const s of this.sockets.values()) s.destroy();
    return closed;
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    const f = this.faults();
    if (this.stopped || f.refuse) {
      socket.destroy();
      return;
    }
    this.counters.connections++;
    // A real sshd sets TCP_NODELAY on interactive sessions; without it every command pays Nagle's delay.
    socket.setNoDelay(true);
    const fleet = this.opts.fleet;
    fleet.connections++;
    fleet.openConnections++;
    fleet.maxConcurrentConnections = Math.max(fleet.maxConcurrentConnections, fleet.openConnections);
    const key = socket.remotePort ?? -1;
    this.sockets.set(key, socket);
    socket.once('close', () => {
      fleet.openConnections--;
      if (this.sockets.get(key) === socket) this.sockets.delete(key);
    });
    // hang: the TCP connection is up but the SSH banner never comes, so the client's handshake times out.
    // What the client sends is still read (and dropped), so its leaving is seen and the socket closed:
    // otherwise every client that gave up would leave a connection in CLOSE-WAIT here.
    if (f.hang) {
      socket.resume();
      socket.once('end', () => socket.destroy());
      return;
    }
    this.ssh.injectSocket(socket);
  }

  private serve(client: Connection, remotePort: number): void {
    const socket = this.sockets.get(remotePort);
    const gone = new AbortController();
    const closers = new Set<() => void>();
    let user = '';
    client.on('error', () => {});
    client.on('close', () => {
      gone.abort();
      for (const close of [...closers]) close();
    });
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'none' && this.authenticate(ctx)) {
        user = ctx.username;
        return ctx.accept();
      }
      if (ctx.method !== 'none') this.counters.authFailures++;
      ctx.reject(METHODS);
    });
    client.on('ready', () => {
      if (this.opts.forwarding) {
        this.jumpCounters.logins++;
        this.serveForwarding(client, socket);
      }
      const cwd = /^[A-Za-z0-9_.-]+$/.test(user) ? `/home/${user}` : '/';
      this.fs.mkdirp(cwd);
      const signal = AbortSignal.any([gone.signal, this.stopping.signal]);
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        const close = this.openSession();
        closers.add(close);
        session.on('close', () => (closers.delete(close), close()));
        let pty = false;
        session.on('env', (accept) => accept?.());
        session.on('pty', (accept) => ((pty = true), accept?.()));
        session.on('window-change', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          void this.exec(stream, info.command, { user, cwd, signal, socket });
        });
        session.on('shell', (accept) => {
          const stream = accept();
          const network = this.opts.network;
          if (network) {
            this.counters.commands++;
            this.opts.fleet.commands++;
            serveCli(stream, network.session(user), {
              pty,
              faults: () => this.faults(),
              signal,
              drop: () => socket?.destroy(),
              host: this.name,
              latencyMs: this.opts.latencyMs,
            });
          } else this.shell(stream, pty, { user, cwd, signal, socket });
        });
        session.on('sftp', (accept) => {
          const sftp = accept();
          serveSftp(sftp, this.fs, cwd, { wrote: (n) => (this.counters.bytesWritten += n) });
        });
      });
    });
  }

  /**
   * direct-tcpip, as a bastion's sshd serves it: a TCP connection from here to the device, piped both ways.
   * Only loopback is reachable, as the lab never leaves it. A `refuse` fault set while it runs closes its
   * connections, and every channel over them: the bastion died.
   */
  private serveForwarding(client: Connection, socket: net.Socket | undefined): void {
    let open = 0;
    client.on('tcpip', (accept, reject, info) => {
      if (this.stopped || info.destIP !== '127.0.0.1') return reject();
      const upstream = net.connect({ host: '127.0.0.1', port: info.destPort });
      upstream.setNoDelay(true);
      upstream.once('error', () => {
        this.jumpCounters.failedChannels++;
        reject();
      });
      upstream.once('connect', () => {
        const channel = accept();
        this.jumpCounters.channels++;
        open++;
        this.jumpCounters.maxChannelsPerConnection = Math.max(this.jumpCounters.maxChannelsPerConnection, open);
        channel.on('error', () => upstream.destroy());
        upstream.on('error', () => channel.destroy());
        channel.once('close', () => {
          open--;
          upstream.destroy();
        });
        upstream.once('close', () => channel.close());
        channel.pipe(upstream).pipe(channel);
      });
    });
    void socket;
  }

  private authenticate(ctx: AuthContext): boolean {
    if (this.faults().auth) return false;
    if (ctx.method === 'password') return ctx.password === this.opts.password;
    if (ctx.method !== 'publickey') return false;
    const { clientKey } = this.opts;
    if (ctx.key.algo !== clientKey.type || !ctx.key.data.equals(clientKey.blob)) return false;
    // Without a signature the client only asks whether the key would do; with one, it must verify.
    if (!ctx.signature || !ctx.blob) return true;
    const parsed = ssh2.utils.parseKey(ctx.key.data);
    if (parsed instanceof Error) return false;
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    return key?.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
  }

  /** Returns the matching close, safe to call more than once (channel close and connection loss both call it). */
  private openSession(): () => void {
    const c = this.counters;
    const fleet = this.opts.fleet;
    c.concurrentSessions++;
    c.maxConcurrentSessions = Math.max(c.maxConcurrentSessions, c.concurrentSessions);
    fleet.sessions++;
    fleet.maxConcurrentSessions = Math.max(fleet.maxConcurrentSessions, fleet.sessions);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      c.concurrentSessions--;
      fleet.sessions--;
    };
  }

  /**
   * Runs one command under the device's faults. `stall` never answers; `drop` sends part of the output and
   * then cuts the TCP connection; the rest produce a normal result.
   */
  private async run(
    command: string,
    ctx: CommandContext,
  ): Promise<{ kind: 'done'; out: CommandOutput } | { kind: 'stall' } | { kind: 'drop'; partial: string }> {
    this.counters.commands++;
    this.opts.fleet.commands++;
    const f = this.faults();
    if (f.stall) return { kind: 'stall' };
    // Drawn before the delay so the pattern depends only on the order of commands, never on timing.
    const flakyFails = f.flaky > 0 && this.opts.random() < f.flaky;
    await abortableDelay(this.opts.latencyMs + f.slowMs, ctx.signal);
    const { host, site } = this.opts.identity;
    if (f.fail)
      return {
        kind: 'done',
        out: { stdout: '', stderr: `% ${host}: command failed: device error (injected fault)\n`, rc: 1 },
      };
    if (flakyFails)
      return {
        kind: 'done',
        out: { stdout: '', stderr: `% ${host}: command failed: transient error (flaky fault)\n`, rc: 1 },
      };
    const out = await runCommandLine(command, {
      identity: this.opts.identity,
      fs: this.fs,
      user: ctx.user,
      cwd: ctx.cwd,
      custom: this.opts.custom,
      signal: ctx.signal,
    });
    if (f.drop) {
      const text = out.stdout.length > 1 ? out.stdout : `${host} (${site}): output interrupted\n`;
      return { kind: 'drop', partial: text.slice(0, Math.ceil(text.length / 2)) };
    }
    return { kind: 'done', out };
  }

  private async exec(stream: ServerChannel, command: string, ctx: CommandContext): Promise<void> {
    stream.on('error', () => {});
    const result = await this.run(command, ctx);
    if (ctx.signal.aborted || result.kind === 'stall') return;
    if (result.kind === 'drop') {
      stream.write(result.partial);
      // Let the partial output reach the client before the cut, so it sees a command die mid-way.
      setTimeout(() => ctx.socket?.destroy(), 20);
      return;
    }
    const { out } = result;
    if (out.stdout) stream.write(out.stdout);
    if (out.stderr) stream.stderr.write(out.stderr);
    stream.exit(out.rc);
    stream.end();
  }

  /** A line-at-a-time shell for people who `ssh` into a device by hand. */
  private shell(stream: ServerChannel, pty: boolean, ctx: CommandContext): void {
    stream.on('error', () => {});
    const nl = (s: string) => (pty ? s.replace(/\r?\n/g, '\r\n') : s);
    const prompt = `${this.name}# `;
    stream.write(nl(`LabOS 4.2 on ${this.name} (${this.site}), a runbook lab device. Type exit to leave.\n`) + prompt);
    let line = '';
    let queue = Promise.resolve();
    let ended = false;
    const submit = (command: string) => {
      queue = queue.then(async () => {
        if (ended || ctx.signal.aborted) return;
        if (/^\s*(exit|logout|quit)\s*$/.test(command)) {
          ended = true;
          stream.exit(0);
          stream.end();
          return;
        }
        if (command.trim() !== '') {
          const result = await this.run(command, ctx);
          if (result.kind === 'stall' || ctx.signal.aborted) return void (ended = true);
          if (result.kind === 'drop') {
            stream.write(nl(result.partial));
            setTimeout(() => ctx.socket?.destroy(), 20);
            return void (ended = true);
          }
          stream.write(nl(result.out.stdout));
          stream.stderr.write(nl(result.out.stderr));
        }
        stream.write(prompt);
      });
    };
    stream.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          if (pty) stream.write('\r\n');
          submit(line);
          line = '';
        } else if (ch === '\x7f' || ch === '\b') {
          if (line.length > 0 && pty) stream.write('\b \b');
          line = line.slice(0, -1);
        } else if (ch === '\x03') {
          line = '';
          if (pty) stream.write(`^C\r\n${prompt}`);
        } else if (ch === '\x04' && line === '') {
          submit('exit');
        } else if (ch >= ' ') {
          line += ch;
          if (pty) stream.write(ch);
        }
      }
    });
    stream.on('end', () => submit('exit'));
  }
}

interface CommandContext {
  user: string;
  cwd: string;
  signal: AbortSignal;
  socket: net.Socket | undefined;
}

/** What a device holds before anyone touches it: enough for the example playbook's NTP rollout and rescue. */
function seed(fs: MemoryFs, identity: DeviceIdentity): void {
  const ntp = Buffer.from(
    `# factory default for ${identity.host}\nserver 192.0.2.1 iburst\ndriftfile /var/lib/ntp/ntp.drift\n`,
  );
  fs.put('/etc/ntp.conf', ntp);
  fs.put('/etc/ntp.conf.bak', Buffer.from(ntp));
  fs.put('/etc/hostname', Buffer.from(`${identity.host}\n`));
  fs.mkdirp('/var/lib/ntp');
  fs.mkdirp('/tmp');
}
