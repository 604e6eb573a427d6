// Timers: setTimeout / setInterval / clear behind one small interface, so tests can advance time instead of sleeping.

/** What a timer call returns: pass it to `clear`; `unref()` lets the process exit while it is pending (no-op in fakes). */
export interface Timer {
  unref(): unknown;
}

/** The timers a factory schedules with (Deps.timers). `clear` ends either kind; clearing undefined or twice is a no-op. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
  clear(timer: Timer | undefined): void;
}

/** Node's own timers. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setInterval: (fn, ms) => setInterval(fn, ms),
  // clearTimeout and clearInterval are the same function in Node: either clears either kind.
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};
