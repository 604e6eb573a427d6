// An injectable clock: milliseconds since the epoch. Tests pass a settable one.

export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A clock tests can set and advance. */
export interface ManualClock {
  (): number;
  set(ms: number): void;
  advance(ms: number): void;
}

/** Create a ManualClock starting at `startMs`. */
export function createManualClock(startMs: number): ManualClock {
  let now = startMs;
  const clock = (() => now) as ManualClock;
  clock.set = (ms) => {
    now = ms;
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
