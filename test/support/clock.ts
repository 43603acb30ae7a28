import { abortError, type Clock } from '../../src/engine/clock.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/** A clock that moves only when told to; sleeps resolve in deadline order as time is advanced past them. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(abortError(signal!));
      };
      timer.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Deadline of the earliest pending sleep, if any. */
  nextTimer(): number | null {
    return this.timers.length === 0 ? null : Math.min(...this.timers.map((x) => x.at));
  }

  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, waking every sleep whose deadline is reached, in order. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.resolve();
    }
    this.t = Math.max(this.t, target);
  }

  /**
   * Runs `work` to completion, letting pending promise chains settle and jumping time to the next sleep
   * whenever nothing else can move. For engines whose only waits are this clock's sleeps.
   */
  async drive<T>(work: Promise<T>, maxSteps = 100_000): Promise<T> {
    let settled = false;
    const done = work.finally(() => (settled = true));
    for (let step = 0; !settled; step++) {
      if (step > maxSteps) throw new Error('FakeClock.drive: work did not finish');
      await new Promise<void>((r) => setImmediate(r));
      if (settled) break;
      const next = this.nextTimer();
      if (next !== null) this.advanceTo(next);
    }
    return done;
  }
}
