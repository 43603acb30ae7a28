import { EventEmitter } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import type ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/inventory/connection.js';
import { JumpPool, type JumpLogin } from '../../src/transport/jump.js';
import { TransportError } from '../../src/transport/transport.js';

/** The pool's bookkeeping with stand-in jump clients: single-flight logins, the breaker, the channel cap. */

type Client = InstanceType<typeof ssh2.Client>;

class FakeJumpClient extends EventEmitter {
  open = 0;
  /** Refuse a channel (as a bastion's limit would) once this many are open. */
  constructor(private readonly refuseAbove = Infinity) {
    super();
  }
  forwardOut(
    _src: string,
    _sp: number,
    _host: string,
    _port: number,
    cb: (err: Error | undefined, ch: Duplex) => void,
  ): void {
    if (this.open >= this.refuseAbove) {
      const err = Object.assign(new Error('(SSH) Channel open failure: '), { reason: 4 });
      queueMicrotask(() => cb(err, new PassThrough()));
      return;
    }
    this.open++;
    const ch = new PassThrough();
    ch.once('close', () => this.open--);
    queueMicrotask(() => cb(undefined, ch));
  }
  end(): void {
    this.emit('close');
  }
  destroy(): void {}
}

const bastion: Connection = {
  transport: 'ssh',
  host: 'bastion',
  port: 22,
  user: 'ops',
  knownHosts: '/dev/null',
  hostKeyChecking: 'strict',
};

function pool(
  login: JumpLogin,
  opts: { maxChannels?: number; now?: () => number; cooldownMs?: number } = {},
): JumpPool {
  return new JumpPool({ login, ...opts });
}

describe('jump pool', () => {
  it('devices arriving during a login wait for it and share its connection', async () => {
    let logins = 0;
    const p = pool(async () => {
      logins++;
      await new Promise((r) => setTimeout(r, 20));
      return new FakeJumpClient() as unknown as Client;
    });
    const streams = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => p.open([bastion], `r${i}`, 22, `r${i}`, { timeoutMs: 1000 })),
    );
    expect(streams).toHaveLength(5);
    expect(logins).toBe(1);
    expect(p.stats()[0]).toMatchObject({ logins: 1, devices: 5, peakChannels: 5 });
    p.close();
  });

  it('a failed login fails every waiting device (jump) and opens the breaker until its cooldown', async () => {
    let now = 1_000;
    let attempts = 0;
    let up = false;
    const p = pool(
      async () => {
        attempts++;
        if (!up) throw new TransportError('refused', 'bastion:22: connection refused');
        return new FakeJumpClient() as unknown as Client;
      },
      { now: () => now, cooldownMs: 30_000 },
    );
    const first = await Promise.allSettled(
      [1, 2, 3].map((i) => p.open([bastion], `r${i}`, 22, `r${i}`, { timeoutMs: 1000 })),
    );
    expect(first.map((r) => (r.status === 'rejected' ? (r.reason as TransportError).reason : 'ok'))).toEqual([
      'jump',
      'jump',
      'jump',
    ]);
    expect(attempts).toBe(1);

    // While open, devices fail at once without touching the bastion.
    now += 10_000;
    await expect(p.open([bastion], 'r4', 22, 'r4', { timeoutMs: 1000 })).rejects.toMatchObject({ reason: 'jump' });
    expect(attempts).toBe(1);

    // After the cooldown one device probes; it succeeds and the breaker closes.
    now += 25_000;
    up = true;
    await p.open([bastion], 'r5', 22, 'r5', { timeoutMs: 1000 });
    expect(attempts).toBe(2);
    expect(p.stats()[0]!.transitions.map((t) => `${t.from}>${t.to}`)).toEqual([
      'closed>open',
      'open>half-open',
      'half-open>closed',
    ]);
    p.close();
  });

  it('opens another jump connection when the cap is reached or the bastion refuses a further channel', async () => {
    const clients: FakeJumpClient[] = [];
    const p = pool(
      async () => {
        const c = new FakeJumpClient(2);
        clients.push(c);
        return c as unknown as Client;
      },
      { maxChannels: 3 },
    );
    const streams: Duplex[] = [];
    for (let i = 0; i < 5; i++) streams.push(await p.open([bastion], `r${i}`, 22, `r${i}`, { timeoutMs: 1000 }));
    // The bastion refused the third channel on each connection: 2 + 2 + 1.
    expect(clients.map((c) => c.open)).toEqual([2, 2, 1]);
    expect(p.stats()[0]).toMatchObject({ logins: 3, peakChannels: 2 });
    p.close();
  });
});

describe('jump login pace', () => {
  it('connect_rate spaces jump logins on their own: the second bastion waits for its slot', async () => {
    const started: string[] = [];
    const p = new JumpPool({
      login: async (hop, _sock, o) => {
        // The pace is taken right before the wire, as the SSH transport does.
        await o.connectSlot?.();
        started.push(hop.host);
        return new FakeJumpClient() as unknown as Client;
      },
      loginRate: 1,
    });
    const other: Connection = { ...bastion, host: 'bastion2' };
    const both = Promise.all([
      p.open([bastion], 'r1', 22, 'r1', { timeoutMs: 5000 }),
      p.open([other], 'r2', 22, 'r2', { timeoutMs: 5000 }),
    ]);
    // A moment later only the first login has begun; the second is a second behind it.
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual(['bastion']);
    await both;
    expect(started).toEqual(['bastion', 'bastion2']);
    p.close();
  });
});
