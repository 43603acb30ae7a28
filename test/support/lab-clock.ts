import type { LabClock } from '../../src/lab/lab.js';

/**
 * A lab clock that stands still until the test moves it: `elapse` runs, in order, the rollback timers whose
 * lab minutes are up. A timer then fires after what the test checks, never during it, however slow the machine.
 */
export function manualLabClock(): LabClock & { elapse(minutes: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    minuteMs: 60_000,
    after(minutes, fn) {
      const timer = { at: now + minutes, fn };
      timers.push(timer);
      return () => (timers = timers.filter((t) => t !== timer));
    },
    elapse(minutes) {
      now += minutes;
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}
