import type { BreakerState, Halted, HostResult, TaskResult } from './results.js';

/**
 * Everything the engine has to say. The engine prints nothing: progress, tables, the JSON report, JUnit
 * and the journal each subscribe to these. Times are ISO strings so events serialise as they are.
 */
export type RunEvent =
  | {
      type: 'run_start';
      at: string;
      run_id: string;
      playbook: string;
      check: boolean;
      resumed_from: string | null;
      hosts: number;
      /** Every targeted host by name, so a journal can tell which hosts a killed run never reached (--resume). */
      targets?: string[];
      /**
       * How many hosts each play targets, in the order the plays run (their play_start events). A play may
       * run fewer (play_start.hosts): hosts that failed in an earlier play are dropped.
       */
      play_targets?: number[];
    }
  | { type: 'play_start'; at: string; play: string; index: number; hosts: string[]; batches: string[][] }
  | { type: 'batch_start'; at: string; play: string; batch: number; batches: number; hosts: string[] }
  | { type: 'host_start'; at: string; play: string; batch: number; host: string }
  | { type: 'task_start'; at: string; play: string; host: string; task: string; index: number; rescue?: boolean }
  | { type: 'task_end'; at: string; play: string; host: string; index: number; result: TaskResult }
  | {
      type: 'host_end';
      at: string;
      result: HostResult;
      /** The play's index in the playbook (names need not be unique): `--resume` works per play and host. */
      play_index?: number;
    }
  | { type: 'batch_end'; at: string; play: string; batch: number; failed: number; total: number }
  | { type: 'breaker'; at: string; play: string; scope: string; from: BreakerState; to: BreakerState }
  | { type: 'halt'; at: string; play: string; halted: Halted }
  | { type: 'play_end'; at: string; play: string }
  | { type: 'run_end'; at: string; run_id: string; halted: Halted | null };

export type Listener = (event: RunEvent) => void;

/** A synchronous fan-out: consumers see events in emission order, and a throwing consumer cannot stop the run. */
export class EventBus {
  private readonly listeners: Listener[] = [];
  private readonly errors: unknown[] = [];

  subscribe(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(event: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.errors.push(err);
      }
    }
  }

  /** Errors thrown by listeners, so the CLI can surface a broken consumer as the bug it is. */
  listenerErrors(): readonly unknown[] {
    return this.errors;
  }
}
