// createFakeTime: a settable clock and the timers that follow it (Deps.clock, Deps.timers), so a time-based test
// advances time instead of sleeping.
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import type { Timer, Timers } from '../../src/lib/timers.js';

interface Scheduled extends Timer {
  readonly id: number;
  due: number;
  readonly every: number | undefined;
  readonly fn: () => void;
}

export interface FakeTime {
  readonly clock: ManualClock;
  readonly timers: Timers;
  /** Move the clock forward by `ms`, running every timer due on the way in order (an interval as often as it falls
   *  due), and letting the promises each one starts settle before the next. */
  advance(ms: number): Promise<void>;
  /** Timers scheduled and not yet run or cleared. */
  pending(): number;
}

/** Let pending promise callbacks and I/O callbacks run (a macrotask turn). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A FakeTime starting at `startMs` (default 2026-01-01T00:00:00Z). */
export function createFakeTime(startMs = Date.UTC(2026, 0, 1)): FakeTime {
  const clock = createManualClock(startMs);
  const queue = new Set<Scheduled>();
  let nextId = 0;
  const schedule = (fn: () => void, ms: number, every: number | undefined): Scheduled => {
    const timer: Scheduled = { id: nextId++, due: clock() + Math.max(0, ms), every, fn, unref: () => timer };
    queue.add(timer);
    return timer;
  };
  const timers: Timers = {
    setTimeout: (fn, ms) => schedule(fn, ms, undefined),
    setInterval: (fn, ms) => schedule(fn, ms, Math.max(1, ms)),
    clear: (timer) => {
      if (timer) queue.delete(timer as Scheduled);
    },
  };
  const nextDue = (until: number): Scheduled | undefined =>
    [...queue]
      .filter((t) => t.due <= until)
      .sort((a, b) => a.due - b.due || a.id - b.id)
      .at(0);
  return {
    clock,
    timers,
    async advance(ms) {
      const until = clock() + ms;
      await settle();
      for (let timer = nextDue(until); timer; timer = nextDue(until)) {
        clock.set(Math.max(clock(), timer.due));
        if (timer.every === undefined) queue.delete(timer);
        else timer.due += timer.every;
        timer.fn();
        await settle();
      }
      clock.set(until);
      await settle();
    },
    pending: () => queue.size,
  };
}
