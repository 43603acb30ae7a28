/**
 * Where a task stands in the play, as a path of indexes (top-level step, block part, task, include item…):
 * compared element by element, a shorter path first, it orders tasks as Ansible's linear strategy lists them.
 */
export type TaskKey = readonly number[];

export function compareKeys(a: TaskKey, b: TaskKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * What the hosts of one batch share while each runs its own task list: `strategy: linear`'s lockstep,
 * `run_once` results, and `any_errors_fatal`'s stop. Under the default free strategy only the last two apply.
 *
 * Linear, as Ansible's lockstep: every task (inside blocks, rescue, always, includes, roles and handlers too)
 * is a turn. A host waits at its next task until every running host of the batch waits at one; then the hosts
 * waiting at the earliest task (by TaskKey) run it together, and the others keep waiting. So a host's next
 * task starts only after every host finished the task before, and a host whose path differs (a rescue, a
 * skipped include) waits while the others catch up. Hosts not yet connected are not waited for (fork slots
 * may hold them back): a joining host takes its first turn with the others.
 */
export class BatchSync {
  /** Top-level step each running host is at: run_once hands its turn by it. */
  private readonly progress = new Map<string, number>();
  /** Hosts waiting for their turn at a task, and how to let each go. */
  private readonly waiting = new Map<string, { key: TaskKey; go: () => void }>();
  /** Hosts waiting for another host's run_once result: they hold nobody's turn. */
  private readonly parked = new Set<string>();
  private readonly once = new Map<object, { host: string; result: Promise<unknown> }>();
  private onceWaiters: Array<() => void> = [];
  /** The batch's hosts in batch order: run_once belongs to the first of them still running. */
  order: readonly string[] = [];
  /** Set by the first failure of an any_errors_fatal task: the host and task that stopped the batch. */
  fatal: { host: string; task: string } | null = null;
  /** Hosts of the batch whose failure no rescue answered: linear's max_fail_percentage judges them. */
  readonly failed = new Set<string>();

  /** `play` is the play this batch belongs to: meta end_play ends it for every batch. */
  constructor(
    readonly linear: boolean,
    private readonly play: object = {},
  ) {}

  /** meta: end_play — no host of the play, in this batch or a later one, runs another task. */
  endPlay(): void {
    endedPlays.add(this.play);
  }

  get playEnded(): boolean {
    return endedPlays.has(this.play);
  }

  private batchOver = false;

  /** meta: end_batch — no host of this batch runs another task; the next batch starts as usual. */
  endBatch(): void {
    this.batchOver = true;
  }

  /** Whether end_play or end_batch stopped this batch. */
  get ended(): boolean {
    return this.batchOver || this.playEnded;
  }

  /**
   * Hosts whose failure meta clear_host_errors forgave: as in Ansible they run nothing more in this play,
   * but the plays after it run them again.
   */
  readonly forgiven = new Set<string>();

  /** meta: clear_host_errors — every host of the batch that failed so far is no longer a failed host. */
  clearHostErrors(): void {
    for (const h of this.failed) this.forgiven.add(h);
    this.failed.clear();
  }

  join(host: string): void {
    this.progress.set(host, 0);
  }

  /** The host ended (done, failed or unreachable): nobody waits for it any more. */
  leave(host: string): void {
    this.progress.delete(host);
    this.waiting.delete(host);
    this.parked.delete(host);
    this.wake();
  }

  /** The host reached top-level step `step` (what run_once's turn is judged by). */
  before(host: string, step: number): void {
    this.progress.set(host, step);
    this.wake();
  }

  /** Resolves when `host` may start the task at `key` (at once unless linear). */
  turn(host: string, key: TaskKey): Promise<void> {
    if (!this.linear) return Promise.resolve();
    return new Promise((go) => {
      this.waiting.set(host, { key, go });
      this.release();
    });
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
      if (seen) {
        this.parked.add(host);
        this.release();
        try {
          return { first: false, host: seen.host, value: await seen.result };
        } finally {
          this.parked.delete(host);
        }
      }
      const mine = this.progress.get(host) ?? 0;
      const turn = this.order.find((h) => (this.progress.get(h) ?? Infinity) <= mine) ?? host;
      if (turn === host) {
        const result = work();
        this.once.set(task, { host, result });
        this.wake();
        return { first: true, host, value: await result };
      }
      this.parked.add(host);
      this.release();
      await new Promise<void>((wake) => this.onceWaiters.push(wake));
      this.parked.delete(host);
    }
  }

  private wake(): void {
    const waiting = this.onceWaiters;
    this.onceWaiters = [];
    for (const w of waiting) w();
    this.release();
  }

  /** When every running host waits, the ones at the earliest task go. */
  private release(): void {
    if (this.waiting.size === 0) return;
    for (const h of this.progress.keys()) if (!this.waiting.has(h) && !this.parked.has(h)) return;
    let first: TaskKey | null = null;
    for (const w of this.waiting.values()) if (first === null || compareKeys(w.key, first) < 0) first = w.key;
    for (const [h, w] of [...this.waiting]) {
      if (compareKeys(w.key, first!) !== 0) continue;
      this.waiting.delete(h);
      w.go();
    }
  }
}

const byPlay = new WeakMap<object, Map<number, BatchSync>>();
const endedPlays = new WeakSet<object>();

/** Whether meta end_play ended the play: its later batches do not start. */
export function playEnded(play: object): boolean {
  return endedPlays.has(play);
}

/** The one BatchSync of a play's batch, made by whichever host asks first. */
export function batchSync(play: object, batch: number, linear: boolean): BatchSync {
  let batches = byPlay.get(play);
  if (!batches) byPlay.set(play, (batches = new Map()));
  let sync = batches.get(batch);
  if (!sync) batches.set(batch, (sync = new BatchSync(linear, play)));
  return sync;
}
