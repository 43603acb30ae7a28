/**
 * What the hosts of one batch share while each runs its own task list: `strategy: linear`'s step barrier,
 * `run_once` results, and `any_errors_fatal`'s stop. Under the default free strategy only the last two apply.
 *
 * Linear: a host about to start top-level step i waits until every host of the batch that is still running
 * has finished step i - 1. Hosts not yet connected are not waited for (fork slots may hold them back); when
 * they join they start at step 0 and the others wait for them at their next step, so no host ever waits on
 * one that is itself waiting.
 */
export class BatchSync {
  private readonly progress = new Map<string, number>();
  private waiters: Array<{ step: number; wake: () => void }> = [];
  private readonly once = new Map<object, { host: string; result: Promise<unknown> }>();
  private onceWaiters: Array<() => void> = [];
  /** The batch's hosts in batch order: run_once belongs to the first of them still running. */
  order: readonly string[] = [];
  /** Set by the first failure of an any_errors_fatal task: the host and task that stopped the batch. */
  fatal: { host: string; task: string } | null = null;

  constructor(readonly linear: boolean) {}

  join(host: string): void {
    this.progress.set(host, 0);
  }

  /** The host ended (done, failed or unreachable): nobody waits for it any more. */
  leave(host: string): void {
    this.progress.delete(host);
    this.wake();
  }

  /** Resolves when `host` may start top-level step `step`. */
  before(host: string, step: number): Promise<void> {
    this.progress.set(host, step);
    this.wake();
    if (!this.linear) return Promise.resolve();
    if (this.lowest() >= step) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ step, wake }));
  }

  /**
   * `run_once`: the first host of the batch (in batch order) that is still running and has not gone past
   * this step runs `work`; every other host waits for that one result. A host that ended, or moved on
   * without meeting the task, hands the turn to the next.
   */
  async runOnce<T>(
    task: object,
    host: string,
    work: () => Promise<T>,
  ): Promise<{ first: boolean; host: string; value: T }> {
    for (;;) {
      const seen = this.once.get(task) as { host: string; result: Promise<T> } | undefined;
      if (seen) return { first: false, host: seen.host, value: await seen.result };
      const mine = this.progress.get(host) ?? 0;
      const turn = this.order.find((h) => (this.progress.get(h) ?? Infinity) <= mine) ?? host;
      if (turn === host) {
        const result = work();
        this.once.set(task, { host, result });
        this.wake();
        return { first: true, host, value: await result };
      }
      await new Promise<void>((wake) => this.onceWaiters.push(wake));
    }
  }

  private lowest(): number {
    let min = Infinity;
    for (const p of this.progress.values()) min = Math.min(min, p);
    return min;
  }

  private wake(): void {
    const waiting = this.onceWaiters;
    this.onceWaiters = [];
    for (const w of waiting) w();
    const low = this.lowest();
    const ready = this.waiters.filter((w) => w.step <= low);
    this.waiters = this.waiters.filter((w) => w.step > low);
    for (const w of ready) w.wake();
  }
}

const byPlay = new WeakMap<object, Map<number, BatchSync>>();

/** The one BatchSync of a play's batch, made by whichever host asks first. */
export function batchSync(play: object, batch: number, linear: boolean): BatchSync {
  let batches = byPlay.get(play);
  if (!batches) byPlay.set(play, (batches = new Map()));
  let sync = batches.get(batch);
  if (!sync) batches.set(batch, (sync = new BatchSync(linear)));
  return sync;
}
